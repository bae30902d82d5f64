using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// A running lease keeper (<see cref="RemoteRenderingClient.KeepSession"/> for one session,
    /// <see cref="RemoteRenderingClient.KeepSessions"/> for several): it renews each session's lease before it
    /// runs out, never beyond <see cref="KeepSessionOptions.MaxTotal"/>, and warns before an end that will not
    /// be renewed. Its events arrive through <see cref="Changed"/>, in order and one at a time, on the
    /// SynchronizationContext that was current when it started (Unity: the main thread; none: a thread-pool
    /// thread). <see cref="Completion"/> completes once, after the last event: ran to completion once no kept
    /// session is left (each one ended or failed, as its event said), faulted when the library reported an
    /// error (for a keeper of one session that cannot be kept, the failure its Failed event reported), cancelled on <see cref="Cancel"/>, <see cref="Dispose()"/>, the start token,
    /// disposal of the client or <see cref="ArrRuntime.Shutdown"/>. Stopping a keeper leaves the leases as they
    /// are: the sessions then end by themselves when their leases run out.
    /// </summary>
    public class SessionKeeper : IDisposable
    {
        // Kept in a static field so the delegate (and the native thunk made for it) lives forever.
        private static readonly ArrCallback CallbackDelegate = OnNative;
        private static readonly Action<object> CancelFromToken = state => ((SessionKeeper)state).Cancel();

        private readonly object _lock = new object();
        private readonly KeeperEventPump _pump;
        private readonly TaskCompletionSource<bool> _completion =
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _ended;
        private CancellationToken _token;
        private CancellationTokenRegistration _registration;

        // The native operation; null for a mock.
        private ClientHandle _client;
        private ulong _operationId;

        /// <summary>
        /// For mocks: a keeper of <paramref name="sessionId"/> without a native operation, raising its events
        /// on the current SynchronizationContext; drive it with <see cref="OnChanged"/> and <see cref="OnStopped"/>.
        /// </summary>
        protected SessionKeeper(string sessionId)
            : this(new[] { sessionId })
        {
        }

        /// <summary>For mocks: a keeper of several sessions (see <see cref="SessionKeeper(string)"/>).</summary>
        protected SessionKeeper(IEnumerable<string> sessionIds)
        {
            if (sessionIds == null)
            {
                throw new ArgumentNullException("sessionIds");
            }
            SessionIds = new List<string>(sessionIds).AsReadOnly();
            _pump = new KeeperEventPump(this, SynchronizationContext.Current);
        }

        /// <summary>The kept session; null for a keeper of several (see <see cref="SessionIds"/>).</summary>
        public string SessionId
        {
            get { return SessionIds.Count == 1 ? SessionIds[0] : null; }
        }

        /// <summary>The kept sessions, as given.</summary>
        public IReadOnlyList<string> SessionIds { get; private set; }

        /// <summary>
        /// Raised for every event, in order, one at a time, on the SynchronizationContext captured at start.
        /// Events that come before the first handler is attached are kept and raised to it, so attaching
        /// right after <see cref="RemoteRenderingClient.KeepSession"/> misses nothing, on any thread. An
        /// exception from a handler is reported to <see cref="ArrLog"/> and does not stop the keeper.
        /// </summary>
        public event EventHandler<KeepSessionEventArgs> Changed
        {
            add { _pump.AddHandler(value); }
            remove { _pump.RemoveHandler(value); }
        }

        /// <summary>Completes once the keeper has stopped and every event before has been raised (see the class).</summary>
        public virtual Task Completion
        {
            get { return _completion.Task; }
        }

        /// <summary>Stops the keeper; <see cref="Completion"/> then ends as cancelled. The leases stay as they are. Idempotent, any thread.</summary>
        public virtual void Cancel()
        {
            ClientHandle client;
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                client = _client;
            }
            if (client == null)
            {
                OnStopped(new OperationCanceledException());
                return;
            }
            try
            {
                // NOT_FOUND (finished meanwhile) is fine; a disposed client has cancelled it already.
                NativeMethods.arr_client_cancel(client, _operationId);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>The same as <see cref="Cancel"/>.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                Cancel();
            }
        }

        /// <summary>For mocks: raises <paramref name="e"/> as the library's next event.</summary>
        protected void OnChanged(KeepSessionEventArgs e)
        {
            if (e == null)
            {
                throw new ArgumentNullException("e");
            }
            lock (_lock)
            {
                if (_ended)
                {
                    throw new InvalidOperationException("the keeper has stopped");
                }
            }
            _pump.PostEvent(e);
        }

        /// <summary>
        /// For mocks: stops the keeper after the events so far. <paramref name="error"/> null: no session is
        /// left to keep (ran to completion); an <see cref="OperationCanceledException"/>: cancelled; anything
        /// else: faulted.
        /// </summary>
        protected void OnStopped(Exception error)
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                _ended = true;
            }
            _pump.PostEnd(() =>
            {
                if (error is OperationCanceledException)
                {
                    SetCancelled();
                }
                else if (error != null)
                {
                    _completion.TrySetException(error);
                }
                else
                {
                    _completion.TrySetResult(true);
                }
            });
        }

        /// <summary>
        /// Starts <c>arr_client_keep_session</c> (<paramref name="ids"/> the session id), or
        /// <c>arr_client_keep_sessions</c> when <paramref name="many"/> (<paramref name="ids"/> the JSON array).
        /// </summary>
        internal static SessionKeeper Start(
            ClientHandle client, IList<string> sessionIds, byte[] ids, bool many, string optionsJson, CancellationToken token)
        {
            byte[] options = Utf8.ToNative(optionsJson, "options");
            var keeper = new SessionKeeper(sessionIds);
            keeper._token = token;
            if (token.IsCancellationRequested)
            {
                // Nothing was started; the leases are untouched.
                keeper.OnStopped(new OperationCanceledException(token));
                return keeper;
            }
            keeper._client = client;
            ulong operationId = NativeCall.StartPinned(keeper, (IntPtr userData, out ulong id) => many
                ? NativeMethods.arr_client_keep_sessions(client, ids, options, CallbackDelegate, userData, out id)
                : NativeMethods.arr_client_keep_session(client, ids, options, CallbackDelegate, userData, out id));
            lock (keeper._lock)
            {
                keeper._operationId = operationId;
            }
            if (token.CanBeCanceled)
            {
                // Runs Cancel at once if the token is already cancelled.
                CancellationTokenRegistration registration = token.Register(CancelFromToken, keeper);
                bool dispose;
                lock (keeper._lock)
                {
                    dispose = keeper._ended;
                    if (!dispose)
                    {
                        keeper._registration = registration;
                    }
                }
                if (dispose)
                {
                    registration.Dispose();
                }
            }
            return keeper;
        }

        [AOT.MonoPInvokeCallback(typeof(ArrCallback))]
        private static void OnNative(IntPtr userData, uint status, IntPtr json)
        {
            // Runs on a library thread, one call at a time per keeper. Nothing may escape into native code.
            // The library's rule: every event comes with ARR_STATUS_OK; the first call with another status is
            // the last, and nothing follows it.
            try
            {
                GCHandle state = GCHandle.FromIntPtr(userData);
                var keeper = (SessionKeeper)state.Target;
                string text = Utf8.FromNative(json);
                if (status == (uint)ArrStatus.Ok)
                {
                    keeper.OnNativeEvent(text);
                    return;
                }
                state.Free();
                keeper.OnNativeEnd((ArrStatus)status, text);
            }
            catch (Exception e)
            {
                ArrLog.ReportCallbackException("session keeper callback", e);
            }
        }

        private void OnNativeEvent(string json)
        {
            KeepSessionEventArgs e;
            try
            {
                e = KeepSessionEventArgs.Parse(json);
            }
            catch (Exception error)
            {
                // Never lose an event: pass on what there is.
                e = new KeepSessionEventArgs(SessionId, new KeepSessionEventKind("unreadable"), exception: error, json: json);
            }
            _pump.PostEvent(e);
        }

        private void OnNativeEnd(ArrStatus status, string json)
        {
            CancellationTokenRegistration registration;
            lock (_lock)
            {
                _ended = true;
                registration = _registration;
            }
            registration.Dispose();
            _pump.PostEnd(() => Finish(status, json));
        }

        private void Finish(ArrStatus status, string json)
        {
            if (status == ArrStatus.Cancelled)
            {
                SetCancelled();
            }
            else if (status != ArrStatus.SessionEnded)
            {
                // For a keeper of one session, also the failure of its failed event: the library ends that
                // stream with it.
                _completion.TrySetException(ErrorMapper.FromJson(status, json));
            }
            else
            {
                _completion.TrySetResult(true);
            }
        }

        private void SetCancelled()
        {
            if (_token.IsCancellationRequested)
            {
                _completion.TrySetCanceled(_token);
            }
            else
            {
                _completion.TrySetCanceled();
            }
        }
    }
}
