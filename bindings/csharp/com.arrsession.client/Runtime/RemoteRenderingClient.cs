using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// Manages the Azure Remote Rendering sessions of one account, shaped like Microsoft's
    /// <c>Azure.MixedReality.RemoteRendering.RemoteRenderingClient</c>. Thread-safe: share one client.
    /// Every operation has an async form (never blocks; awaits resume on the caller's
    /// SynchronizationContext, e.g. Unity's main thread) and a blocking twin; both take a
    /// <see cref="CancellationToken"/>, and <see cref="Dispose()"/> interrupts both, from any thread.
    /// Every public member is virtual, and a protected constructor exists, so apps can mock the client.
    /// </summary>
    public partial class RemoteRenderingClient : IDisposable
    {
        private readonly ClientHandle _handle;
        private int _disposed;

        /// <summary>For mocks: a client without a native handle; every member not overridden throws.</summary>
        protected RemoteRenderingClient()
        {
        }

        /// <summary>A client authenticating with the account key (exchanged at the Mixed Reality STS).</summary>
        public RemoteRenderingClient(Uri remoteRenderingEndpoint, Guid accountId, string accountDomain,
            AzureKeyCredential keyCredential, RemoteRenderingClientOptions options = null)
        {
            if (keyCredential == null)
            {
                throw new ArgumentNullException("keyCredential");
            }
            options = options ?? new RemoteRenderingClientOptions();
            _handle = NewClient(options.ToJson(remoteRenderingEndpoint, accountId, accountDomain, keyCredential.Key, null));
            Initialize(options);
        }

        /// <summary>A client using a Mixed Reality access token as it is (no STS).</summary>
        public RemoteRenderingClient(Uri remoteRenderingEndpoint, Guid accountId, string accountDomain,
            AccessToken accessToken, RemoteRenderingClientOptions options = null)
        {
            options = options ?? new RemoteRenderingClientOptions();
            _handle = NewClient(options.ToJson(remoteRenderingEndpoint, accountId, accountDomain, null, accessToken.Token ?? string.Empty));
            Initialize(options);
        }

        /// <summary>
        /// A client whose tokens come from <paramref name="tokenProvider"/> (our stand-in for Azure.Core's
        /// TokenCredential): Entra ID (AAD) tokens exchanged at the STS, or Mixed Reality access tokens used as
        /// they are. It is called when no valid token is cached, on a library thread or on
        /// <see cref="RemoteRenderingClientOptions.TokenProviderContext"/>. Whatever it throws, or a null,
        /// empty or unusable token, fails the operation that needed it at once (Unauthorized, with the reason).
        /// </summary>
        public RemoteRenderingClient(Uri remoteRenderingEndpoint, Guid accountId, string accountDomain,
            RemoteRenderingTokenKind kind, Func<Task<string>> tokenProvider, RemoteRenderingClientOptions options = null)
        {
            if (tokenProvider == null)
            {
                throw new ArgumentNullException("tokenProvider");
            }
            options = options ?? new RemoteRenderingClientOptions();
            byte[] config = Utf8.ToNative(options.ToJson(remoteRenderingEndpoint, accountId, accountDomain, null, null), "options");
            ArrRuntime.EnsureLoaded();
            _handle = TokenBridge.CreateClient(config, kind, tokenProvider, options.TokenProviderContext);
            Initialize(options);
        }

        private static ClientHandle NewClient(string json)
        {
            byte[] config = Utf8.ToNative(json, "options");
            ArrRuntime.EnsureLoaded();
            ClientHandle handle;
            uint status = NativeMethods.arr_client_new(config, out handle);
            if (status != (uint)ArrStatus.Ok)
            {
                throw ErrorMapper.FromLastError(status);
            }
            return handle;
        }

        private void Initialize(RemoteRenderingClientOptions options)
        {
            ServiceVersion = options.Version;
            ArrLog.EnsureInstalled();
        }

        public virtual RemoteRenderingServiceVersion ServiceVersion { get; private set; }

        // ---- Start ----

        /// <summary>
        /// Starts a session and returns at once with it Starting. <paramref name="sessionId"/> may be null
        /// (the library picks a GUID; required with the v1 API). Retrying with the same id and options finds
        /// the session instead of starting a second.
        /// </summary>
        public virtual StartRenderingSessionOperation StartSession(
            string sessionId, RenderingSessionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] json = CreateJson(sessionId, options);
            return NativeCall.Block(Handle, (text, raw) => new StartRenderingSessionOperation(this, RenderingSession.Parse(text), raw), cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_session_async(c, json, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="StartSession"/>.</summary>
        public virtual Task<StartRenderingSessionOperation> StartSessionAsync(
            string sessionId, RenderingSessionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] json = CreateJson(sessionId, options);
            return NativeCall.Start(Handle, (text, raw) => new StartRenderingSessionOperation(this, RenderingSession.Parse(text), raw), cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_session_async(c, json, cb, ud, out op));
        }

        // ---- Get ----

        public virtual Response<RenderingSession> GetSession(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            return NativeCall.Block(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_session_async(c, id, cb, ud, out op));
        }

        public virtual Task<Response<RenderingSession>> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            return NativeCall.Start(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_session_async(c, id, cb, ud, out op));
        }

        // ---- Update / extend ----

        /// <summary>Sets the lease to <see cref="UpdateSessionOptions.MaxLeaseTime"/> in total (it must grow; at most 24 h).</summary>
        public virtual Response<RenderingSession> UpdateSession(
            string sessionId, UpdateSessionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            uint minutes = LeaseMinutes(options);
            return NativeCall.Block(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_update_session_async(c, id, minutes, cb, ud, out op));
        }

        public virtual Task<Response<RenderingSession>> UpdateSessionAsync(
            string sessionId, UpdateSessionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            uint minutes = LeaseMinutes(options);
            return NativeCall.Start(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_update_session_async(c, id, minutes, cb, ud, out op));
        }

        /// <summary>Extends the lease by <paramref name="by"/> (the safe way to renew: reads, then sets current + by).</summary>
        public virtual Response<RenderingSession> ExtendSession(
            string sessionId, TimeSpan by, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            uint minutes = RenderingSessionOptions.Minutes(by, "by");
            return NativeCall.Block(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_extend_session_async(c, id, minutes, cb, ud, out op));
        }

        public virtual Task<Response<RenderingSession>> ExtendSessionAsync(
            string sessionId, TimeSpan by, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            uint minutes = RenderingSessionOptions.Minutes(by, "by");
            return NativeCall.Start(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_extend_session_async(c, id, minutes, cb, ud, out op));
        }

        // ---- Stop ----

        /// <summary>Stops the session (billing ends). Stopping a stopped session succeeds.</summary>
        public virtual Response StopSession(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            return NativeCall.Block(Handle, ParseNothing, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_stop_session_async(c, id, cb, ud, out op));
        }

        public virtual Task<Response> StopSessionAsync(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            return NativeCall.Start(Handle, ParseNothing, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_stop_session_async(c, id, cb, ud, out op));
        }

        // ---- List ----

        /// <summary>The account's Starting and Ready sessions (all pages).</summary>
        public virtual Pageable<RenderingSession> GetSessions(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Block(Handle, ParsePageable, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_sessions_async(c, cb, ud, out op));
        }

        /// <summary>
        /// The async form of <see cref="GetSessions"/>: <c>await foreach</c> it (C# 8+), or <c>await</c> it
        /// for the whole list (C# 7). The request starts at once.
        /// </summary>
        public virtual AsyncPageable<RenderingSession> GetSessionsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return new AsyncPageable<RenderingSession>(NativeCall.Start(Handle, ParsePageable, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_sessions_async(c, cb, ud, out op)));
        }

        // ---- Lifetime ----

        /// <summary>
        /// Closes the client (<c>arr_client_close</c>), then releases it: every operation in flight is
        /// interrupted, on any thread (tasks complete as cancelled, blocking calls throw
        /// <see cref="OperationCanceledException"/>); with <see cref="RemoteRenderingClientOptions.StopOwnedSessionsOnClose"/>
        /// the owned sessions are stopped (within the close timeout; the token provider is then called on a
        /// thread-pool thread, not on <see cref="RemoteRenderingClientOptions.TokenProviderContext"/>, whose
        /// thread may be the one disposing); no callback runs after this returns;
        /// later calls throw <see cref="ObjectDisposedException"/>. Idempotent.
        /// </summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (_handle == null || Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            // From here on the stop-on-close's token requests skip TokenProviderContext: Dispose may be
            // running on that context's thread.
            _handle.MarkClosing();
            try
            {
                // The interrupt: other threads inside calls on this client return now. The handle itself is
                // freed when the last of those calls has let go of it (SafeHandle reference counting).
                NativeMethods.arr_client_close(_handle);
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                _handle.Dispose();
            }
        }

        internal ClientHandle Handle
        {
            get
            {
                if (_handle == null)
                {
                    throw new NotSupportedException("this RemoteRenderingClient was made with the protected constructor (a mock); override the member");
                }
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
            Utf8.ToNative(sessionId, "sessionId");
            return Utf8.ToNative(options.ToJson(sessionId), "sessionId");
        }

        private static uint LeaseMinutes(UpdateSessionOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            return RenderingSessionOptions.Minutes(options.MaxLeaseTime, "MaxLeaseTime");
        }

        internal static Response<RenderingSession> ParseSession(string json, Response raw)
        {
            return new Response<RenderingSession>(RenderingSession.Parse(json), raw);
        }

        private static Response ParseNothing(string json, Response raw)
        {
            return raw ?? Response.Ok;
        }

        private static Pageable<RenderingSession> ParsePageable(string json)
        {
            return new Pageable<RenderingSession>(RenderingSession.ParseList(json));
        }
    }
}
