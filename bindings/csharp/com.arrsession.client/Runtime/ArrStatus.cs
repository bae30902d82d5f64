namespace ArrSession
{
    /// <summary>What a library call did: the numbers of <c>arr_status</c>, never changed or reused.</summary>
    public enum ArrStatus
    {
        Ok = 0,
        NullArgument = 1,
        /// <summary>A bad argument, or the service answered 400/422.</summary>
        InvalidArgument = 2,
        /// <summary>HTTP 404: no such session.</summary>
        NotFound = 3,
        /// <summary>HTTP 409: a session with that id exists with other settings.</summary>
        Conflict = 4,
        /// <summary>HTTP 401: missing, wrong or expired credentials.</summary>
        Unauthorized = 5,
        /// <summary>HTTP 403: valid credentials, but not for this account.</summary>
        Forbidden = 6,
        /// <summary>HTTP 429 after the retry policy gave up; see <see cref="RemoteRenderingException.RetryAfter"/>.</summary>
        Throttled = 7,
        /// <summary>HTTP 5xx after retries, or another unexpected status.</summary>
        ServiceError = 8,
        /// <summary>The service could not be reached, or the connection broke.</summary>
        Network = 9,
        /// <summary>A request or a wait ran past its configured time.</summary>
        Timeout = 10,
        Cancelled = 11,
        /// <summary>The service's answer could not be read.</summary>
        Decode = 12,
        /// <summary>A wait ended because the session reached Error, Expired or Stopped.</summary>
        SessionEnded = 13,
        /// <summary>A bug in the library; the call was abandoned.</summary>
        Panic = 14,
        /// <summary>The client was created before <see cref="ArrRuntime.Shutdown"/>; create a new one.</summary>
        Shutdown = 15,
        BlockingInCallback = 16,
        /// <summary>The client was disposed (<c>arr_client_close</c>); mapped to <see cref="System.ObjectDisposedException"/>.</summary>
        Closed = 17,
        /// <summary>
        /// The client was created in the parent process before <c>fork()</c>; create a new client in this
        /// process (the parent's client is unaffected).
        /// </summary>
        Forked = 18,
    }

    /// <summary>Log levels (<c>arr_log_level</c>), from most to least severe.</summary>
    public enum ArrLogLevel
    {
        Off = 0,
        Error = 1,
        Warn = 2,
        Info = 3,
        Debug = 4,
        Trace = 5,
    }

    internal static class ArrStatusNames
    {
        /// <summary>Maps <c>"ARR_STATUS_NOT_FOUND"</c> to <see cref="ArrStatus.NotFound"/>; null if unknown.</summary>
        internal static ArrStatus? Parse(string name)
        {
            if (name == null || !name.StartsWith("ARR_STATUS_", System.StringComparison.Ordinal))
            {
                return null;
            }
            string wanted = name.Substring("ARR_STATUS_".Length).Replace("_", string.Empty);
            foreach (ArrStatus status in System.Enum.GetValues(typeof(ArrStatus)))
            {
                if (string.Equals(status.ToString(), wanted, System.StringComparison.OrdinalIgnoreCase))
                {
                    return status;
                }
            }
            return null;
        }
    }
}
