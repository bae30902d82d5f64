using System;
using System.Collections.Generic;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>
    /// What to start: the lease (0 to 24 hours, whole minutes) and the size of the server. A negative lease
    /// is sent as it is and the service refuses it (<see cref="ArrSession.Azure.RequestFailedException"/>, status 400), as with
    /// Microsoft's SDK; the library refuses more than 24 hours before sending.
    /// </summary>
    public class RenderingSessionOptions
    {
        public RenderingSessionOptions(TimeSpan maxLeaseTime, RenderingServerSize size)
        {
            MaxLeaseTime = maxLeaseTime;
            Size = size;
            Owned = true;
        }

        public TimeSpan MaxLeaseTime { get; set; }

        /// <summary><see cref="RenderingServerSize.Standard"/> or <see cref="RenderingServerSize.Premium"/>.</summary>
        public RenderingServerSize Size { get; set; }

        /// <summary>
        /// Whether the client owns the session (default true): owned sessions are listed by
        /// <see cref="RemoteRenderingClient.GetOwnedSessionIds"/>, stopped by
        /// <see cref="RemoteRenderingClient.StopOwnedSessions"/> and, with
        /// <see cref="RemoteRenderingClientOptions.StopOwnedSessionsOnClose"/>, when the client is disposed
        /// or the library shut down (app quit). Set false for a session that must outlive the app.
        /// </summary>
        public bool Owned { get; set; }

        internal string ToJson(string sessionId)
        {
            string size = Size.ToString();
            if (size == null)
            {
                throw new ArgumentException("no size given", "options");
            }
            return new JsonWriter()
                .Add("id", sessionId)
                .Add("size", size)
                .Add("maxLeaseTimeMinutes", SignedMinutes(MaxLeaseTime, "MaxLeaseTime"))
                .Add("owned", Owned ? null : (bool?)false)
                .ToString();
        }

        /// <summary>
        /// Whole minutes of a span, negative ones included: a negative lease is the service's to refuse, which
        /// gives the error Microsoft's SDK gives (range checks are the library's and the service's).
        /// </summary>
        internal static long SignedMinutes(TimeSpan span, string name)
        {
            double minutes = span.TotalMinutes;
            if (minutes < int.MinValue || minutes > uint.MaxValue || minutes != Math.Floor(minutes))
            {
                throw new ArgumentOutOfRangeException(name, span, "must be a whole number of minutes");
            }
            return (long)minutes;
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

    /// <summary>The new lease of a session: its total length, which must grow (at most 24 hours).</summary>
    public class UpdateSessionOptions
    {
        public UpdateSessionOptions(TimeSpan maxLeaseTime)
        {
            MaxLeaseTime = maxLeaseTime;
        }

        public TimeSpan MaxLeaseTime { get; set; }
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

        internal static long? Millis(TimeSpan? span)
        {
            return span.HasValue ? (long?)(long)Math.Ceiling(span.Value.TotalMilliseconds) : null;
        }
    }

    /// <summary>The outcome for one session of a batch call (<see cref="RemoteRenderingClient.WaitForSessions"/>, <see cref="RemoteRenderingClient.StopOwnedSessions"/>).</summary>
    public sealed class SessionResult
    {
        public string SessionId { get; private set; }

        /// <summary><see cref="ArrStatus.Ok"/> on success; otherwise why not (Timeout, SessionEnded, NotFound...).</summary>
        public ArrStatus Status { get; private set; }

        /// <summary>The session, when a wait succeeded.</summary>
        public RenderingSession Session { get; private set; }

        /// <summary>The failure, when <see cref="Status"/> is not Ok.</summary>
        public Exception Error { get; private set; }

        public override string ToString()
        {
            return SessionId + ": " + Status + (Error != null ? " (" + Error.Message + ")" : string.Empty);
        }

        internal static IReadOnlyList<SessionResult> ParseList(string text)
        {
            var result = new List<SessionResult>();
            foreach (object item in Json.ParseArray(text))
            {
                var obj = (JsonObject)item;
                ArrStatus status = ArrStatusNames.Parse(obj.GetString("status")) ?? ArrStatus.ServiceError;
                JsonObject session = obj.GetObject("session");
                JsonObject error = obj.GetObject("error");
                result.Add(new SessionResult
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
