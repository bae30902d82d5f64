using System;
using System.Collections.Generic;
using System.Globalization;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>Known values of <see cref="RenderingSession.Status"/>; the service may send others.</summary>
    public static class RenderingSessionStatus
    {
        public const string Starting = "Starting";
        public const string Ready = "Ready";
        public const string Stopped = "Stopped";
        public const string Expired = "Expired";
        public const string Error = "Error";
    }

    /// <summary>Known values of <see cref="RenderingSession.Size"/>; the service may send others.</summary>
    public static class RenderingServerSize
    {
        public const string Standard = "Standard";
        public const string Premium = "Premium";
    }

    /// <summary>
    /// A rendering session as the service last described it, with the REST field names of api-version
    /// 2021-01-01 (legacy v1 answers are mapped onto them by the library). Fields the service did not
    /// send are null.
    /// </summary>
    public sealed class RenderingSession
    {
        public string Id { get; private set; }

        /// <summary>An open string: compare with <see cref="RenderingSessionStatus"/>.</summary>
        public string Status { get; private set; }

        /// <summary>An open string: compare with <see cref="RenderingServerSize"/>.</summary>
        public string Size { get; private set; }

        public int? MaxLeaseTimeMinutes { get; private set; }
        public int? ElapsedTimeMinutes { get; private set; }
        public string Hostname { get; private set; }
        public int? HandshakePort { get; private set; }
        public int? ArrInspectorPort { get; private set; }
        public double? Teraflops { get; private set; }

        /// <summary>When the session was created, as the service wrote it (RFC 3339).</summary>
        public string CreationTimeText { get; private set; }

        /// <summary>Why the session failed (status Error), if the service said.</summary>
        public RemoteRenderingServiceError Error { get; private set; }

        public TimeSpan? MaxLeaseTime
        {
            get { return MaxLeaseTimeMinutes.HasValue ? (TimeSpan?)TimeSpan.FromMinutes(MaxLeaseTimeMinutes.Value) : null; }
        }

        public DateTimeOffset? CreationTime
        {
            get
            {
                DateTimeOffset value;
                return CreationTimeText != null && DateTimeOffset.TryParse(
                    CreationTimeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)
                    ? (DateTimeOffset?)value : null;
            }
        }

        public bool IsReady
        {
            get { return Status == RenderingSessionStatus.Ready; }
        }

        /// <summary>Error, Expired or Stopped: the session will not become Ready.</summary>
        public bool HasEnded
        {
            get
            {
                return Status == RenderingSessionStatus.Error || Status == RenderingSessionStatus.Expired
                    || Status == RenderingSessionStatus.Stopped;
            }
        }

        public override string ToString()
        {
            return "RenderingSession(" + Id + ", " + Status + ", " + Size + ")";
        }

        internal static RenderingSession FromJson(JsonObject json)
        {
            JsonObject error = json.GetObject("error");
            return new RenderingSession
            {
                Id = json.GetString("id"),
                Status = json.GetString("status"),
                Size = json.GetString("size"),
                MaxLeaseTimeMinutes = json.GetInt("maxLeaseTimeMinutes"),
                ElapsedTimeMinutes = json.GetInt("elapsedTimeMinutes"),
                Hostname = json.GetString("hostname"),
                HandshakePort = json.GetInt("handshakePort"),
                ArrInspectorPort = json.GetInt("arrInspectorPort"),
                Teraflops = json.GetDouble("teraflops"),
                CreationTimeText = json.GetString("creationTime"),
                Error = error == null ? null : RemoteRenderingServiceError.FromJson(error),
            };
        }

        internal static RenderingSession Parse(string text)
        {
            return FromJson(Json.ParseObject(text));
        }

        internal static IReadOnlyList<RenderingSession> ParseList(string text)
        {
            var result = new List<RenderingSession>();
            foreach (object item in Json.ParseArray(text))
            {
                var obj = item as JsonObject;
                if (obj == null)
                {
                    throw new FormatException("expected session objects in the list");
                }
                result.Add(FromJson(obj));
            }
            return result;
        }
    }

    /// <summary>An error object of the service (<c>code</c>, <c>message</c>, <c>target</c>, nested details).</summary>
    public sealed class RemoteRenderingServiceError
    {
        public string Code { get; private set; }
        public string Message { get; private set; }
        public string Target { get; private set; }
        public IReadOnlyList<RemoteRenderingServiceError> Details { get; private set; }
        public RemoteRenderingServiceError InnerError { get; private set; }

        public override string ToString()
        {
            return Code + ": " + Message;
        }

        internal static RemoteRenderingServiceError FromJson(JsonObject json)
        {
            JsonObject inner = json.GetObject("innerError");
            return new RemoteRenderingServiceError
            {
                Code = json.GetString("code"),
                Message = json.GetString("message"),
                Target = json.GetString("target"),
                Details = ListFrom(json.GetArray("details")),
                InnerError = inner == null ? null : FromJson(inner),
            };
        }

        internal static IReadOnlyList<RemoteRenderingServiceError> ListFrom(List<object> items)
        {
            var result = new List<RemoteRenderingServiceError>();
            if (items != null)
            {
                foreach (object item in items)
                {
                    var obj = item as JsonObject;
                    if (obj != null)
                    {
                        result.Add(FromJson(obj));
                    }
                }
            }
            return result;
        }
    }
}
