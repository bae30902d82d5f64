using System;
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
    /// How to reach the service and authenticate: mirrors the library's configuration JSON. Unset
    /// (null) values take the library's defaults; the library checks every value.
    /// </summary>
    public sealed class RemoteRenderingClientOptions
    {
        public RemoteRenderingClientOptions()
        {
            Retry = new RetryOptions();
        }

        /// <summary>The rendering endpoint: a region name (e.g. "westus2") or a URL.</summary>
        public string Endpoint { get; set; }

        public string AccountId { get; set; }

        /// <summary>The account's domain (or region) for the Mixed Reality STS.</summary>
        public string AccountDomain { get; set; }

        /// <summary>An explicit STS URL (instead of <see cref="AccountDomain"/>).</summary>
        public string StsEndpoint { get; set; }

        /// <summary>The account key; exchanged at the STS for access tokens. Never logged.</summary>
        public string AccountKey { get; set; }

        /// <summary>A Mixed Reality access token to use as it is (instead of <see cref="AccountKey"/>).</summary>
        public string AccessToken { get; set; }

        public RemoteRenderingServiceVersion ServiceVersion { get; set; }
        public TimeSpan? ConnectTimeout { get; set; }
        public TimeSpan? RequestTimeout { get; set; }

        /// <summary>How often waits poll (default: 2 s for Standard sessions, 10 s otherwise).</summary>
        public TimeSpan? PollInterval { get; set; }

        public RetryOptions Retry { get; set; }

        /// <summary>Appended to the User-Agent header (e.g. "MyApp/1.2").</summary>
        public string UserAgentSuffix { get; set; }

        /// <summary>"system", "none", or a proxy URL.</summary>
        public string Proxy { get; set; }

        /// <summary>Extra root certificates (PEM) to trust.</summary>
        public string ExtraRootCaPem { get; set; }

        /// <summary>Allows http:// endpoints other than loopback (for test setups only).</summary>
        public bool AllowInsecureHttp { get; set; }

        internal string ToJson(bool withCredential)
        {
            var w = new JsonWriter()
                .Add("endpoint", Endpoint)
                .Add("accountId", AccountId)
                .Add("accountDomain", AccountDomain)
                .Add("stsEndpoint", StsEndpoint);
            if (withCredential)
            {
                w.Add("accountKey", AccountKey).Add("accessToken", AccessToken);
            }
            w.Add("apiVersion", ServiceVersion == RemoteRenderingServiceVersion.V1 ? "v1" : "2021-01-01")
                .Add("connectTimeoutMs", Millis(ConnectTimeout))
                .Add("requestTimeoutMs", Millis(RequestTimeout))
                .Add("pollIntervalMs", Millis(PollInterval));
            if (Retry != null && (Retry.MaxRetries.HasValue || Retry.Delay.HasValue || Retry.MaxDelay.HasValue))
            {
                w.AddRaw("retry", new JsonWriter()
                    .Add("maxRetries", Retry.MaxRetries)
                    .Add("baseDelayMs", Millis(Retry.Delay))
                    .Add("maxDelayMs", Millis(Retry.MaxDelay))
                    .ToString());
            }
            return w.Add("userAgentSuffix", UserAgentSuffix)
                .Add("proxy", Proxy)
                .Add("extraRootCaPem", ExtraRootCaPem)
                .Add("allowInsecureHttp", AllowInsecureHttp ? (bool?)true : null)
                .ToString();
        }

        private static long? Millis(TimeSpan? span)
        {
            return span.HasValue ? (long?)(long)Math.Ceiling(span.Value.TotalMilliseconds) : null;
        }
    }
}
