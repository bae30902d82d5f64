using System;
using System.Collections.Generic;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// A failed operation: a <see cref="RequestFailedException"/> (HTTP <see cref="RequestFailedException.Status"/>,
    /// 0 without an answer, and <see cref="RequestFailedException.ErrorCode"/>) plus the library's
    /// classification, the MS-CV for support requests, Retry-After, and for ended waits the session.
    /// </summary>
    [Serializable]
    public class RemoteRenderingException : RequestFailedException
    {
        public RemoteRenderingException(string message)
            : base(message)
        {
            Details = new List<RemoteRenderingServiceError>();
        }

        internal RemoteRenderingException(
            ArrStatus status, string message, int? httpStatus, string errorCode, string msCv, TimeSpan? retryAfter,
            IReadOnlyList<RemoteRenderingServiceError> details, RenderingSession session, string errorJson)
            : base(httpStatus ?? 0, message, errorCode, null)
        {
            ArrStatus = status;
            MsCv = msCv;
            RetryAfter = retryAfter;
            Details = details;
            Session = session;
            ErrorJson = errorJson;
        }

        /// <summary>The library's classification of the failure (NotFound, Throttled, Timeout, SessionEnded...).</summary>
        public ArrStatus ArrStatus { get; private set; }

        /// <summary>The correlation vector of the failed request; quote it in support requests.</summary>
        public string MsCv { get; private set; }

        /// <summary>How long the service asked to wait (on <see cref="ArrSession.ArrStatus.Throttled"/>).</summary>
        public TimeSpan? RetryAfter { get; private set; }

        /// <summary>Nested errors the service gave.</summary>
        public IReadOnlyList<RemoteRenderingServiceError> Details { get; private set; }

        /// <summary>The session as last seen, when a wait ended because it stopped or failed.</summary>
        public RenderingSession Session { get; private set; }

        /// <summary>The error as the library reported it (JSON), for logs.</summary>
        public string ErrorJson { get; private set; }

        public override string ToString()
        {
            return base.ToString() + " [" + ArrStatus + ", HTTP " + (Status != 0 ? Status.ToString() : "-")
                + ", code " + (ErrorCode ?? "-") + ", MS-CV " + (MsCv ?? "-") + "]";
        }
    }
}
