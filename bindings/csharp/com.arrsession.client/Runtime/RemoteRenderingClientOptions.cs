using System;
using System.Threading;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>The service version the client talks: the current REST API or the legacy v1 one.</summary>
    public enum RemoteRenderingServiceVersion
    {
        V2021_01_01 = 0,
        V1 = 1,
    }

    /// <summary>Retry policy for failed requests (the library's defaults when null: 3 retries, 0.8 s exponential, 60 s cap).</summary>
    public sealed class RetryOptions
    {
        public int? MaxRetries { get; set; }
        public TimeSpan? Delay { get; set; }
        public TimeSpan? MaxDelay { get; set; }
    }

    /// <summary>
    /// Options of a <see cref="RemoteRenderingClient"/> (Microsoft's <c>RemoteRenderingClientOptions</c>
    /// plus the library's own). Unset (null) values take the library's defaults; the library checks every value.
    /// </summary>
    public class RemoteRenderingClientOptions
    {
        public RemoteRenderingClientOptions(RemoteRenderingServiceVersion version = RemoteRenderingServiceVersion.V2021_01_01)
        {
            Version = version;
            Retry = new RetryOptions();
        }

        /// <summary>The Mixed Reality STS (default: <c>https://sts.&lt;accountDomain&gt;</c>).</summary>
        public Uri AuthenticationEndpoint { get; set; }

        /// <summary>The REST API version; <see cref="RemoteRenderingServiceVersion.V1"/> is the legacy one.</summary>
        public RemoteRenderingServiceVersion Version { get; set; }

        public TimeSpan? ConnectTimeout { get; set; }
        public TimeSpan? RequestTimeout { get; set; }

        /// <summary>How often waits poll (default: 2 s for Standard sessions, 10 s otherwise).</summary>
        public TimeSpan? PollInterval { get; set; }

        public RetryOptions Retry { get; set; }

        /// <summary>
        /// Stop the sessions this client owns (see <see cref="RenderingSessionOptions.Owned"/>) when it is
        /// disposed and when the library shuts down (<see cref="ArrRuntime.Shutdown"/>: process exit, Unity
        /// quit and domain reload): concurrently, within <see cref="CloseTimeout"/>. Default false. The
        /// session's lease is the safety net where no such moment comes (a killed process, an iOS app).
        /// </summary>
        public bool StopOwnedSessionsOnClose { get; set; }

        /// <summary>The bound on stop-on-close (the library's default when null: 10 s).</summary>
        public TimeSpan? CloseTimeout { get; set; }

        /// <summary>Appended to the User-Agent header (e.g. "MyApp/1.2").</summary>
        public string UserAgentSuffix { get; set; }

        /// <summary>"system", "none", or a proxy URL.</summary>
        public string Proxy { get; set; }

        /// <summary>Extra root certificates (PEM) to trust.</summary>
        public string ExtraRootCaPem { get; set; }

        /// <summary>Allows http:// endpoints other than loopback (for test setups only).</summary>
        public bool AllowInsecureHttp { get; set; }

        /// <summary>
        /// Write every HTTP call (time, method, path without query, status, MS-CV, duration, session or
        /// conversion id) to this JSON-lines file, kept under 1 MiB; null (default) writes none.
        /// </summary>
        public string CallHistoryPath { get; set; }

        /// <summary>
        /// Where a token provider runs (e.g. the UI thread's context, which an interactive sign-in needs).
        /// Null: on a library thread. Never block that context's thread on a call that needs a token.
        /// Exception: while the client is being disposed, or the library shut down (<see cref="ArrRuntime.Shutdown"/>:
        /// Unity's quit and domain reload), the provider is called on a thread-pool thread instead, because
        /// those calls usually block this context's thread until the owned sessions are stopped (see
        /// <see cref="StopOwnedSessionsOnClose"/>). A provider that can run only on this thread then fails
        /// or never answers, and that stop fails (Unauthorized) or gives up at <see cref="CloseTimeout"/>;
        /// one that answers from a token cache works.
        /// </summary>
        public SynchronizationContext TokenProviderContext { get; set; }

        internal string ToJson(Uri endpoint, Guid accountId, string accountDomain, string accountKey, string accessToken)
        {
            if (endpoint == null)
            {
                throw new ArgumentNullException("remoteRenderingEndpoint");
            }
            var w = new JsonWriter()
                .Add("endpoint", UriText(endpoint))
                .Add("accountId", accountId.ToString("D"))
                .Add("accountDomain", accountDomain)
                .Add("stsEndpoint", AuthenticationEndpoint == null ? null : UriText(AuthenticationEndpoint))
                .Add("accountKey", accountKey)
                .Add("accessToken", accessToken)
                .Add("apiVersion", Version == RemoteRenderingServiceVersion.V1 ? "v1" : "2021-01-01")
                .Add("connectTimeoutMs", SessionWaitOptions.Millis(ConnectTimeout))
                .Add("requestTimeoutMs", SessionWaitOptions.Millis(RequestTimeout))
                .Add("pollIntervalMs", SessionWaitOptions.Millis(PollInterval));
            if (Retry != null && (Retry.MaxRetries.HasValue || Retry.Delay.HasValue || Retry.MaxDelay.HasValue))
            {
                w.AddRaw("retry", new JsonWriter()
                    .Add("maxRetries", Retry.MaxRetries)
                    .Add("baseDelayMs", SessionWaitOptions.Millis(Retry.Delay))
                    .Add("maxDelayMs", SessionWaitOptions.Millis(Retry.MaxDelay))
                    .ToString());
            }
            return w.Add("stopOwnedSessionsOnClose", StopOwnedSessionsOnClose ? (bool?)true : null)
                .Add("closeTimeoutMs", SessionWaitOptions.Millis(CloseTimeout))
                .Add("userAgentSuffix", UserAgentSuffix)
                .Add("proxy", Proxy)
                .Add("extraRootCaPem", ExtraRootCaPem)
                .Add("allowInsecureHttp", AllowInsecureHttp ? (bool?)true : null)
                .AddRaw("callHistory", CallHistoryPath == null ? null : new JsonWriter().Add("path", CallHistoryPath).ToString())
                .ToString();
        }

        private static string UriText(Uri uri)
        {
            // "https://host/" -> "https://host": the library joins paths itself.
            string text = uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString;
            return text.EndsWith("/", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1) : text;
        }
    }
}
