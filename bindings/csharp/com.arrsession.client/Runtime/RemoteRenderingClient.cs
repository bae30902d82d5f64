using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// Manages Azure Remote Rendering sessions of one account. Thread-safe: share one client. Every
    /// operation has an async form (never blocks the calling thread; awaits resume on the caller's
    /// SynchronizationContext, e.g. Unity's main thread) and a blocking twin. Dispose it to cancel what is
    /// in flight: pending tasks complete as cancelled, and no callback runs afterwards.
    /// </summary>
    public sealed partial class RemoteRenderingClient : IDisposable
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>Creates a client authenticating with the options' account key or access token.</summary>
        public RemoteRenderingClient(RemoteRenderingClientOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            ArrRuntime.EnsureLoaded();
            ClientHandle handle;
            uint status = NativeMethods.arr_client_new(Utf8.ToNative(options.ToJson(withCredential: true)), out handle);
            if (status != (uint)ArrStatus.Ok)
            {
                throw ErrorMapper.FromLastError(status);
            }
            _handle = handle;
            Initialize(options);
        }

        /// <summary>
        /// Creates a client whose tokens come from <paramref name="tokenProvider"/>: Entra ID (AAD) tokens
        /// exchanged at the STS, or Mixed Reality access tokens used as they are. It is called on a library
        /// thread when no valid token is cached; it must complete within 60 s.
        /// </summary>
        public RemoteRenderingClient(RemoteRenderingClientOptions options, RemoteRenderingTokenKind kind, Func<Task<string>> tokenProvider)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            if (tokenProvider == null)
            {
                throw new ArgumentNullException("tokenProvider");
            }
            ArrRuntime.EnsureLoaded();
            _handle = TokenBridge.CreateClient(options.ToJson(withCredential: false), kind, tokenProvider);
            Initialize(options);
        }

        /// <summary>
        /// Whether <see cref="ArrRuntime.Shutdown"/> with <c>stopSessions</c> (Unity: on quit) stops the
        /// sessions this client started. True by default: a forgotten session keeps billing.
        /// </summary>
        public bool StopSessionsOnShutdown { get; set; }

        public RemoteRenderingServiceVersion ServiceVersion { get; private set; }

        /// <summary>
        /// Ids of sessions this client started and has not stopped: the library's session guard (owned
        /// sessions), which also covers a start whose answer was lost.
        /// </summary>
        public IReadOnlyCollection<string> StartedSessionIds
        {
            get
            {
                return NativeCall.Run(Handle, ParseIds,
                    (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_get_owned_sessions(c, out r));
            }
        }

        private void Initialize(RemoteRenderingClientOptions options)
        {
            ServiceVersion = options.ServiceVersion;
            StopSessionsOnShutdown = true;
            ArrLog.EnsureInstalled();
            ArrRuntime.Register(this);
        }

        // ---- Start ----

        /// <summary>
        /// Starts a session; returns at once with the session Starting. <paramref name="sessionId"/> may be
        /// null (the library picks a GUID; required with the v1 API). Retrying with the same id and options
        /// finds the session instead of starting a second.
        /// </summary>
        public StartRenderingSessionOperation StartSession(string sessionId, RenderingSessionOptions options)
        {
            byte[] json = CreateJson(sessionId, options);
            RenderingSession session = NativeCall.Run(Handle, RenderingSession.Parse,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_create_session(c, json, out r));
            return new StartRenderingSessionOperation(this, session);
        }

        /// <summary>The async form of <see cref="StartSession"/>.</summary>
        public Task<StartRenderingSessionOperation> StartSessionAsync(
            string sessionId, RenderingSessionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] json = CreateJson(sessionId, options);
            return NativeCall.Start(Handle, text => new StartRenderingSessionOperation(this, RenderingSession.Parse(text)), cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_session_async(c, json, cb, ud, out op));
        }

        // ---- Get ----

        public RenderingSession GetSession(string sessionId)
        {
            byte[] id = Utf8.ToNative(sessionId);
            return NativeCall.Run(Handle, RenderingSession.Parse,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_get_session(c, id, out r));
        }

        public Task<RenderingSession> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId);
            return NativeCall.Start(Handle, RenderingSession.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_session_async(c, id, cb, ud, out op));
        }

        // ---- Update / extend ----

        /// <summary>Sets the lease to <paramref name="maxLeaseTime"/> in total (it must grow; at most 24 h).</summary>
        public RenderingSession UpdateSession(string sessionId, TimeSpan maxLeaseTime)
        {
            byte[] id = Utf8.ToNative(sessionId);
            uint minutes = RenderingSessionOptions.Minutes(maxLeaseTime, "maxLeaseTime");
            return NativeCall.Run(Handle, RenderingSession.Parse,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_update_session(c, id, minutes, out r));
        }

        public Task<RenderingSession> UpdateSessionAsync(
            string sessionId, TimeSpan maxLeaseTime, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId);
            uint minutes = RenderingSessionOptions.Minutes(maxLeaseTime, "maxLeaseTime");
            return NativeCall.Start(Handle, RenderingSession.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_update_session_async(c, id, minutes, cb, ud, out op));
        }

        /// <summary>Extends the lease by <paramref name="by"/> (the safe way to renew: reads, then sets current + by).</summary>
        public RenderingSession ExtendSession(string sessionId, TimeSpan by)
        {
            byte[] id = Utf8.ToNative(sessionId);
            uint minutes = RenderingSessionOptions.Minutes(by, "by");
            return NativeCall.Run(Handle, RenderingSession.Parse,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_extend_session(c, id, minutes, out r));
        }

        public Task<RenderingSession> ExtendSessionAsync(
            string sessionId, TimeSpan by, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId);
            uint minutes = RenderingSessionOptions.Minutes(by, "by");
            return NativeCall.Start(Handle, RenderingSession.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_extend_session_async(c, id, minutes, cb, ud, out op));
        }

        // ---- Stop ----

        /// <summary>Stops the session (billing ends). Stopping a stopped session succeeds.</summary>
        public void StopSession(string sessionId)
        {
            byte[] id = Utf8.ToNative(sessionId);
            ClientHandle handle = Handle;
            NativeCall.Run(() => NativeMethods.arr_client_stop_session(handle, id));
        }

        public Task StopSessionAsync(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId);
            return NativeCall.Start<object>(Handle, text => null, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_stop_session_async(c, id, cb, ud, out op));
        }

        /// <summary>
        /// Stops every session this client started and has not stopped (blocking, concurrently, within
        /// <paramref name="timeoutMilliseconds"/>); failures are logged, not thrown. Returns how many were
        /// stopped. Used on app quit.
        /// </summary>
        public int StopStartedSessions(uint timeoutMilliseconds = 10000)
        {
            List<object> results = NativeCall.Run(Handle, Json.ParseArray,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_stop_owned_sessions(c, timeoutMilliseconds, out r));
            int stopped = 0;
            foreach (object item in results)
            {
                JsonObject result = item as JsonObject;
                if (result != null && (result.GetString("status") ?? "") == "ARR_STATUS_OK")
                {
                    stopped++;
                }
                else
                {
                    ArrLog.ReportCallbackException("stopping owned sessions",
                        new RemoteRenderingException(result != null ? result.ToString() : "unreadable result"));
                }
            }
            return stopped;
        }

        // ---- Lifetime ----

        /// <summary>
        /// Frees the client: operations in flight are cancelled (their tasks complete as cancelled) and no
        /// callback runs after this returns. Blocks only until those callbacks have returned; a blocking
        /// call running on another thread keeps the native client alive until it returns.
        /// </summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            ArrRuntime.Unregister(this);
            _handle.Dispose();
        }

        internal ClientHandle Handle
        {
            get
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    throw new ObjectDisposedException("RemoteRenderingClient");
                }
                return _handle;
            }
        }

        private static byte[] CreateJson(string sessionId, RenderingSessionOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            return Utf8.ToNative(options.ToJson(sessionId));
        }

        private static IReadOnlyCollection<string> ParseIds(string json)
        {
            List<string> ids = new List<string>();
            foreach (object id in Json.ParseArray(json))
            {
                ids.Add((string)id);
            }
            return ids;
        }
    }
}
