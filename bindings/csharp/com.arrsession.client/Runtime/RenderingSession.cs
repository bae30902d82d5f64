using System;
using System.Collections.Generic;
using System.Globalization;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>
    /// The status of a session (an open string set, as in Microsoft's SDK): compare with the known values;
    /// the service may send others. Converts from a string implicitly.
    /// </summary>
    public struct RenderingSessionStatus : IEquatable<RenderingSessionStatus>
    {
        private readonly string _value;

        public RenderingSessionStatus(string value)
        {
            if (value == null)
            {
                throw new ArgumentNullException("value");
            }
            _value = value;
        }

        public static RenderingSessionStatus Starting { get { return new RenderingSessionStatus("Starting"); } }
        public static RenderingSessionStatus Ready { get { return new RenderingSessionStatus("Ready"); } }
        public static RenderingSessionStatus Stopped { get { return new RenderingSessionStatus("Stopped"); } }
        public static RenderingSessionStatus Expired { get { return new RenderingSessionStatus("Expired"); } }
        public static RenderingSessionStatus Error { get { return new RenderingSessionStatus("Error"); } }

        public static bool operator ==(RenderingSessionStatus left, RenderingSessionStatus right)
        {
            return left.Equals(right);
        }

        public static bool operator !=(RenderingSessionStatus left, RenderingSessionStatus right)
        {
            return !left.Equals(right);
        }

        public static implicit operator RenderingSessionStatus(string value)
        {
            return new RenderingSessionStatus(value);
        }

        public bool Equals(RenderingSessionStatus other)
        {
            return string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);
        }

        public override bool Equals(object obj)
        {
            return obj is RenderingSessionStatus && Equals((RenderingSessionStatus)obj);
        }

        public override int GetHashCode()
        {
            return _value == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);
        }

        public override string ToString()
        {
            return _value;
        }
    }

    /// <summary>
    /// The size of a session's server (an open string set, as in Microsoft's SDK; the service once
    /// answered "Tiny"). Converts from a string implicitly.
    /// </summary>
    public struct RenderingServerSize : IEquatable<RenderingServerSize>
    {
        private readonly string _value;

        public RenderingServerSize(string value)
        {
            if (value == null)
            {
                throw new ArgumentNullException("value");
            }
            _value = value;
        }

        public static RenderingServerSize Standard { get { return new RenderingServerSize("Standard"); } }
        public static RenderingServerSize Premium { get { return new RenderingServerSize("Premium"); } }

        public static bool operator ==(RenderingServerSize left, RenderingServerSize right)
        {
            return left.Equals(right);
        }

        public static bool operator !=(RenderingServerSize left, RenderingServerSize right)
        {
            return !left.Equals(right);
        }

        public static implicit operator RenderingServerSize(string value)
        {
            return new RenderingServerSize(value);
        }

        public bool Equals(RenderingServerSize other)
        {
            return string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);
        }

        public override bool Equals(object obj)
        {
            return obj is RenderingServerSize && Equals((RenderingServerSize)obj);
        }

        public override int GetHashCode()
        {
            return _value == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);
        }

        public override string ToString()
        {
            return _value;
        }
    }

    /// <summary>
    /// A rendering session as the service last described it, shaped like Microsoft's SDK's
    /// <c>RenderingSession</c> (legacy v1 answers are mapped onto it by the library). Values the service
    /// did not send are null.
    /// </summary>
    public class RenderingSession
    {
        /// <summary>For mocks and tests; the client creates sessions from the service's answers.</summary>
        protected RenderingSession()
        {
        }

        public string SessionId { get; protected set; }

        /// <summary>Compare with <see cref="RenderingSessionStatus.Ready"/> and the other known values.</summary>
        public RenderingSessionStatus Status { get; protected set; }

        public RenderingServerSize Size { get; protected set; }

        /// <summary>The lease: the session stops when <see cref="ElapsedTime"/> reaches it.</summary>
        public TimeSpan? MaxLeaseTime { get; protected set; }

        public TimeSpan? ElapsedTime { get; protected set; }

        /// <summary>The host name to connect the renderer to (Ready sessions).</summary>
        public string Host { get; protected set; }

        public int? HandshakePort { get; protected set; }
        public int? ArrInspectorPort { get; protected set; }
        public float? Teraflops { get; protected set; }

        /// <summary>When the session was created (not reported by the legacy v1 API).</summary>
        public DateTimeOffset? CreatedOn { get; protected set; }

        /// <summary>Why the session failed (status Error), if the service said.</summary>
        public RemoteRenderingServiceError Error { get; protected set; }

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
            return "RenderingSession(" + SessionId + ", " + Status + ", " + Size + ")";
        }

        internal static RenderingSession FromJson(JsonObject json)
        {
            JsonObject error = json.GetObject("error");
            int? lease = json.GetInt("maxLeaseTimeMinutes");
            int? elapsed = json.GetInt("elapsedTimeMinutes");
            double? teraflops = json.GetDouble("teraflops");
            string created = json.GetString("creationTime");
            DateTimeOffset createdOn;
            string status = json.GetString("status");
            string size = json.GetString("size");
            return new RenderingSession
            {
                SessionId = json.GetString("id"),
                Status = status == null ? default(RenderingSessionStatus) : new RenderingSessionStatus(status),
                Size = size == null ? default(RenderingServerSize) : new RenderingServerSize(size),
                MaxLeaseTime = lease.HasValue ? (TimeSpan?)TimeSpan.FromMinutes(lease.Value) : null,
                ElapsedTime = elapsed.HasValue ? (TimeSpan?)TimeSpan.FromMinutes(elapsed.Value) : null,
                Host = json.GetString("hostname"),
                HandshakePort = json.GetInt("handshakePort"),
                ArrInspectorPort = json.GetInt("arrInspectorPort"),
                Teraflops = teraflops.HasValue ? (float?)(float)teraflops.Value : null,
                CreatedOn = created != null && DateTimeOffset.TryParse(
                    created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out createdOn)
                    ? (DateTimeOffset?)createdOn : null,
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
    public class RemoteRenderingServiceError
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
