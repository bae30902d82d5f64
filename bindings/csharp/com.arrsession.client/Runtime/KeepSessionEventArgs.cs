using System;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>One event of a <see cref="SessionKeeper"/>. Fields that do not belong to <see cref="Kind"/> are null.</summary>
    public class KeepSessionEventArgs : EventArgs
    {
        /// <summary>For mocks and tests: an event as the library would report it.</summary>
        public KeepSessionEventArgs(string sessionId, KeepSessionEventKind kind, TimeSpan? from = null, TimeSpan? to = null,
            TimeSpan? remaining = null, TimeSpan? lease = null, RenderingSessionStatus? status = null,
            RemoteRenderingServiceError error = null, Exception exception = null, string json = null)
        {
            SessionId = sessionId;
            Kind = kind;
            From = from;
            To = to;
            Remaining = remaining;
            Lease = lease;
            Status = status;
            Error = error;
            Exception = exception;
            Json = json;
        }

        /// <summary>The session the event is about (a keeper of several names each).</summary>
        public string SessionId { get; private set; }

        public KeepSessionEventKind Kind { get; private set; }

        /// <summary>Extended: the lease before.</summary>
        public TimeSpan? From { get; private set; }

        /// <summary>Extended: the lease now (in total, since the session became Ready).</summary>
        public TimeSpan? To { get; private set; }

        /// <summary>ExpiringSoon: what is left, by the service's count.</summary>
        public TimeSpan? Remaining { get; private set; }

        /// <summary>CapReached: the lease, at the cap.</summary>
        public TimeSpan? Lease { get; private set; }

        /// <summary>Ended: the session's final state (Stopped, Expired or Error).</summary>
        public RenderingSessionStatus? Status { get; private set; }

        /// <summary>Ended: the session's error, for Error.</summary>
        public RemoteRenderingServiceError Error { get; private set; }

        /// <summary>
        /// Throttled, Retrying and Failed: the exception a call failing the same way throws, a
        /// <see cref="RemoteRenderingException"/> (a <see cref="Azure.RequestFailedException"/>) with the HTTP
        /// <see cref="Azure.RequestFailedException.Status"/>, the service's <see cref="Azure.RequestFailedException.ErrorCode"/>,
        /// the <see cref="RemoteRenderingException.MsCv"/> and, for a 429, <see cref="RemoteRenderingException.RetryAfter"/>.
        /// </summary>
        public Exception Exception { get; private set; }

        /// <summary>Throttled: how long the service asked to wait, if it said (from <see cref="Exception"/>).</summary>
        public TimeSpan? RetryAfter
        {
            get
            {
                var failure = Exception as RemoteRenderingException;
                return failure == null ? null : failure.RetryAfter;
            }
        }

        /// <summary>Throttled, Retrying and Failed: what went wrong (<see cref="Exception"/>'s message).</summary>
        public string Message
        {
            get { return Exception == null ? null : Exception.Message; }
        }

        /// <summary>The event as the library reported it (JSON): the way to fields of kinds this binding does not know.</summary>
        public string Json { get; private set; }

        public override string ToString()
        {
            return Json ?? (SessionId + " " + Kind);
        }

        internal static KeepSessionEventArgs Parse(string json)
        {
            JsonObject o = Internal.Json.ParseObject(json);
            var kind = new KeepSessionEventKind(o.GetString("kind") ?? string.Empty);
            // `sessionError`: the session's own error, as a session carries it (ended); `error`: the library's
            // error object, which goes through the one error mapper as a failed call's would (throttled,
            // retrying, failed).
            JsonObject sessionError = o.GetObject("sessionError");
            JsonObject error = o.GetObject("error");
            string status = o.GetString("status");
            return new KeepSessionEventArgs(
                o.GetString("sessionId"),
                kind,
                Minutes(o, "from"),
                Minutes(o, "to"),
                Minutes(o, "remaining"),
                Minutes(o, "lease"),
                status == null ? (RenderingSessionStatus?)null : new RenderingSessionStatus(status),
                sessionError != null ? RemoteRenderingServiceError.FromJson(sessionError) : null,
                error != null ? ErrorMapper.FromErrorObject(error) : null,
                json);
        }

        private static TimeSpan? Minutes(JsonObject o, string name)
        {
            double? minutes = o.GetDouble(name);
            return minutes.HasValue ? (TimeSpan?)TimeSpan.FromMinutes(minutes.Value) : null;
        }
    }
}
