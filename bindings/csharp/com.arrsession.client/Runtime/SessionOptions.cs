using System;
using System.Collections.Generic;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>What to start: the size of the server and the lease (0 to 24 hours, whole minutes).</summary>
    public sealed class RenderingSessionOptions
    {
        public RenderingSessionOptions(TimeSpan maxLeaseTime, string size)
        {
            MaxLeaseTime = maxLeaseTime;
            Size = size;
        }

        public TimeSpan MaxLeaseTime { get; set; }

        /// <summary><see cref="RenderingServerSize.Standard"/> or <see cref="RenderingServerSize.Premium"/>.</summary>
        public string Size { get; set; }

        internal string ToJson(string sessionId)
        {
            return new JsonWriter()
                .Add("id", sessionId)
                .Add("size", Size)
                .Add("maxLeaseTimeMinutes", Minutes(MaxLeaseTime, "MaxLeaseTime"))
                .ToString();
        }

        /// <summary>Whole minutes of a non-negative span (range checks are the library's).</summary>
        internal static uint Minutes(TimeSpan span, string name)
        {
            double minutes = span.TotalMinutes;
            if (minutes < 0 || minutes > uint.MaxValue || minutes != Math.Floor(minutes))
            {
                throw new ArgumentOutOfRangeException(name, span, "must be a non-negative whole number of minutes");
            }
            return (uint)minutes;
        }
    }

    /// <summary>How long to wait for sessions to become Ready, and how often to look.</summary>
    public sealed class SessionWaitOptions
    {
        /// <summary>Give up after this long (the library's default when null: 10 minutes).</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>Poll this often (the library's default when null: 2 s for Standard, 10 s otherwise).</summary>
        public TimeSpan? PollInterval { get; set; }

        internal static string ToJson(SessionWaitOptions options)
        {
            if (options == null)
            {
                return null;
            }
            return new JsonWriter()
                .Add("timeoutMs", Millis(options.Timeout))
                .Add("pollIntervalMs", Millis(options.PollInterval))
                .ToString();
        }

        private static long? Millis(TimeSpan? span)
        {
            return span.HasValue ? (long?)(long)Math.Ceiling(span.Value.TotalMilliseconds) : null;
        }
    }

    /// <summary>The outcome of waiting for one of several sessions (<see cref="RemoteRenderingClient.WaitForSessions"/>).</summary>
    public sealed class SessionWaitResult
    {
        public string SessionId { get; private set; }

        /// <summary><see cref="ArrStatus.Ok"/> when Ready; otherwise why not (Timeout, SessionEnded, NotFound...).</summary>
        public ArrStatus Status { get; private set; }

        /// <summary>The session, when <see cref="Status"/> is Ok.</summary>
        public RenderingSession Session { get; private set; }

        /// <summary>The failure, when <see cref="Status"/> is not Ok.</summary>
        public Exception Error { get; private set; }

        internal static IReadOnlyList<SessionWaitResult> ParseList(string text)
        {
            var result = new List<SessionWaitResult>();
            foreach (object item in Json.ParseArray(text))
            {
                var obj = (JsonObject)item;
                ArrStatus status = ArrStatusNames.Parse(obj.GetString("status")) ?? ArrStatus.ServiceError;
                JsonObject session = obj.GetObject("session");
                JsonObject error = obj.GetObject("error");
                result.Add(new SessionWaitResult
                {
                    SessionId = obj.GetString("id"),
                    Status = status,
                    Session = session == null ? null : RenderingSession.FromJson(session),
                    Error = error == null ? null : ErrorMapper.FromObject(status, error, null),
                });
            }
            return result;
        }
    }
}
