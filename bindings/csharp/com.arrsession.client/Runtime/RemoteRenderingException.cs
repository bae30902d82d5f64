using System;
using System.Collections.Generic;

namespace ArrSession
{
    /// <summary>
    /// A failed operation: the library's status, and what the service said (HTTP status, error code,
    /// MS-CV for support requests, Retry-After, and for ended waits the session).
    /// </summary>
    [Serializable]
    public class RemoteRenderingException : Exception
    {
        public RemoteRenderingException(string message)
            : base(message)
        {
            Details = new List<RemoteRenderingServiceError>();
        }

        internal RemoteRenderingException(
            ArrStatus status, string message, int? httpStatus, string errorCode, string msCv, TimeSpan? retryAfter,
            IReadOnlyList<RemoteRenderingServiceError> details, RenderingSession session, string errorJson)
            : base(message)
        {
            Status = status;
            HttpStatus = httpStatus;
            ErrorCode = errorCode;
            MsCv = msCv;
            RetryAfter = retryAfter;
            Details = details;
            Session = session;
            ErrorJson = errorJson;
        }

        /// <summary>The library's classification of the failure.</summary>
        public ArrStatus Status { get; private set; }

        /// <summary>The HTTP status of the service's last answer, if one was received.</summary>
        public int? HttpStatus { get; private set; }

        /// <summary>The service's error code (e.g. <c>"SessionNotFound"</c>), if it sent one.</summary>
        public string ErrorCode { get; private set; }

        /// <summary>The correlation vector of the failed request; quote it in support requests.</summary>
        public string MsCv { get; private set; }

        /// <summary>How long the service asked to wait (on <see cref="ArrStatus.Throttled"/>).</summary>
        public TimeSpan? RetryAfter { get; private set; }

        /// <summary>Nested errors the service gave.</summary>
        public IReadOnlyList<RemoteRenderingServiceError> Details { get; private set; }

        /// <summary>The session as last seen, when a wait ended because it stopped or failed.</summary>
        public RenderingSession Session { get; private set; }

        /// <summary>The error as the library reported it (JSON), for logs.</summary>
        public string ErrorJson { get; private set; }

        public override string ToString()
        {
            return base.ToString() + " [status " + Status + ", HTTP " + (HttpStatus.HasValue ? HttpStatus.ToString() : "-")
                + ", code " + (ErrorCode ?? "-") + ", MS-CV " + (MsCv ?? "-") + "]";
        }
    }
}
