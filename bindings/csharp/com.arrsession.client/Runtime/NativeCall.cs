using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;
using ArrSession.Native;

namespace ArrSession.Internal
{
    /// <summary>A blocking ABI call that writes an owned string.</summary>
    internal delegate uint BlockingCall(ClientHandle client, out IntPtr json);

    /// <summary>An <c>_async</c> ABI call: starts the operation and gives its id.</summary>
    internal delegate uint AsyncCall(ClientHandle client, ArrCallback callback, IntPtr userData, out ulong operationId);

    /// <summary>Starts a native operation with <paramref name="userData"/> as its callbacks' user data.</summary>
    internal delegate uint PinnedStart(IntPtr userData, out ulong operationId);

    /// <summary>
    /// Runs ABI calls: blocking ones on the calling thread, async ones as tasks completed by the single
    /// <see cref="OnComplete"/> trampoline.
    /// </summary>
    internal static class NativeCall
    {
        // Kept in a static field so the delegate (and the native thunk made for it) lives forever.
        private static readonly ArrCallback CompleteCallback = OnComplete;
        private static readonly Action<object> CancelAction = PendingCall.CancelFromToken;
        private static long _callbacks;

        [ThreadStatic]
        private static bool _inCallback;

        /// <summary>Whether the current thread is inside <see cref="OnComplete"/> (tests check that user code never is).</summary>
        internal static bool InCallback
        {
            get { return _inCallback; }
        }

        /// <summary>How many operation callbacks have arrived in this process (for diagnostics and tests).</summary>
        internal static long CallbackCount
        {
            get { return Interlocked.Read(ref _callbacks); }
        }

        /// <summary>
        /// Runs a call that does not block (e.g. reading the client's own state) and parses its result;
        /// throws the mapped error on failure.
        /// </summary>
        internal static T Run<T>(ClientHandle client, Func<string, T> parse, BlockingCall call)
        {
            IntPtr json;
            uint status = call(client, out json);
            if (status != (uint)ArrStatus.Ok)
            {
                throw ErrorMapper.FromLastError(status);
            }
            string text = Utf8.TakeOwned(json);
            return ParseResult(parse, text);
        }

        /// <summary>
        /// Runs an operation to its end on the calling thread, built on its <c>_async</c> form so that
        /// <paramref name="token"/>, <c>Dispose</c> from another thread and <c>ArrRuntime.Shutdown</c> all
        /// interrupt it (as <see cref="OperationCanceledException"/>). Failures throw as the async form's.
        /// </summary>
        internal static T Block<T>(ClientHandle client, Func<string, T> parse, CancellationToken token, AsyncCall call)
        {
            return Start(client, parse, token, call).GetAwaiter().GetResult();
        }

        /// <summary>As <see cref="Block{T}(ClientHandle, Func{string, T}, CancellationToken, AsyncCall)"/>, with the answer behind the result.</summary>
        internal static T Block<T>(ClientHandle client, Func<string, Response, T> parse, CancellationToken token, AsyncCall call)
        {
            return Start(client, parse, token, call).GetAwaiter().GetResult();
        }

        internal static Task<T> Start<T>(ClientHandle client, Func<string, T> parse, CancellationToken token, AsyncCall call)
        {
            return Start(client, (text, raw) => parse(text), token, call);
        }

        /// <summary>
        /// Starts an async call. Argument errors and a shut-down library throw here, before anything is
        /// sent; everything later completes the task. Cancelling <paramref name="token"/> cancels the
        /// operation (<c>arr_client_cancel</c>); a wait cancelled this way leaves the session running.
        /// <paramref name="parse"/> gets the result's JSON and the service's answer behind it
        /// (<c>arr_last_response</c>, read inside the callback; null when there was no single answer).
        /// </summary>
        internal static Task<T> Start<T>(ClientHandle client, Func<string, Response, T> parse, CancellationToken token, AsyncCall call)
        {
            if (token.IsCancellationRequested)
            {
                return Task.FromCanceled<T>(token);
            }
            var pending = new PendingCall<T>(client, parse, token);
            ulong operationId = StartPinned(pending, (IntPtr userData, out ulong id) => call(client, CompleteCallback, userData, out id));
            pending.Started(operationId, CancelAction);
            return pending.Task;
        }

        /// <summary>
        /// Starts a native operation whose callbacks find <paramref name="state"/> through a <see cref="GCHandle"/>
        /// passed as their user data, and gives its id. The one rule for the handle: a start that throws or
        /// fails frees it here (no callback follows a failed start; the failure throws, mapped); after a
        /// successful start the operation's last callback frees it. A slip either way is a leak or a double free.
        /// </summary>
        internal static ulong StartPinned(object state, PinnedStart start)
        {
            GCHandle handle = GCHandle.Alloc(state);
            ulong operationId;
            uint status;
            try
            {
                status = start(GCHandle.ToIntPtr(handle), out operationId);
            }
            catch
            {
                handle.Free();
                throw;
            }
            if (status != (uint)ArrStatus.Ok)
            {
                handle.Free();
                throw ErrorMapper.FromLastError(status);
            }
            return operationId;
        }

        internal static T ParseResult<T>(Func<string, T> parse, string text)
        {
            return ParseResult((json, raw) => parse(json), text, null);
        }

        internal static T ParseResult<T>(Func<string, Response, T> parse, string text, Response raw)
        {
            try
            {
                return parse(text, raw);
            }
            catch (Exception e)
            {
                throw new RemoteRenderingException(ArrStatus.Decode, "cannot read the library's result: " + e.Message,
                    null, null, null, null, new System.Collections.Generic.List<RemoteRenderingServiceError>(), null, text);
            }
        }

        [AOT.MonoPInvokeCallback(typeof(ArrCallback))]
        private static void OnComplete(IntPtr userData, uint status, IntPtr json)
        {
            // Runs on a library thread. Nothing may escape into native code.
            Interlocked.Increment(ref _callbacks);
            _inCallback = true;
            try
            {
                GCHandle state = GCHandle.FromIntPtr(userData);
                var pending = (PendingCall)state.Target;
                state.Free();
                // The service's answer behind a success is readable only here, inside this operation's callback.
                string response = status == (uint)ArrStatus.Ok ? Utf8.TakeOwned(NativeMethods.arr_last_response()) : null;
                pending.Complete((ArrStatus)status, Utf8.FromNative(json), response);
            }
            catch (Exception e)
            {
                ArrLog.ReportCallbackException("operation callback", e);
            }
            finally
            {
                _inCallback = false;
            }
        }
    }

    internal abstract class PendingCall
    {
        private readonly object _lock = new object();
        private readonly ClientHandle _client;
        private ulong _operationId;
        private bool _completed;
        private CancellationTokenRegistration _registration;

        protected PendingCall(ClientHandle client, CancellationToken token)
        {
            _client = client;
            Token = token;
        }

        protected CancellationToken Token { get; private set; }

        internal void Started(ulong operationId, Action<object> cancel)
        {
            _operationId = operationId;
            if (!Token.CanBeCanceled)
            {
                return;
            }
            // Runs cancel at once if the token is already cancelled.
            CancellationTokenRegistration registration = Token.Register(cancel, this);
            bool dispose;
            lock (_lock)
            {
                dispose = _completed;
                if (!dispose)
                {
                    _registration = registration;
                }
            }
            if (dispose)
            {
                registration.Dispose();
            }
        }

        internal static void CancelFromToken(object state)
        {
            var pending = (PendingCall)state;
            try
            {
                // NOT_FOUND (already finished) is fine; a disposed client has cancelled everything already.
                NativeMethods.arr_client_cancel(pending._client, pending._operationId);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        internal void Complete(ArrStatus status, string json, string response)
        {
            CancellationTokenRegistration registration;
            lock (_lock)
            {
                _completed = true;
                registration = _registration;
            }
            registration.Dispose();
            Deliver(status, json, response);
        }

        protected abstract void Deliver(ArrStatus status, string json, string response);
    }

    internal sealed class PendingCall<T> : PendingCall
    {
        private readonly TaskCompletionSource<T> _tcs =
            new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<string, Response, T> _parse;

        internal PendingCall(ClientHandle client, Func<string, Response, T> parse, CancellationToken token)
            : base(client, token)
        {
            _parse = parse;
        }

        internal Task<T> Task
        {
            get { return _tcs.Task; }
        }

        protected override void Deliver(ArrStatus status, string json, string response)
        {
            if (status == ArrStatus.Ok)
            {
                T value;
                try
                {
                    value = NativeCall.ParseResult(_parse, json, Response.FromLibrary(response));
                }
                catch (Exception e)
                {
                    _tcs.TrySetException(e);
                    return;
                }
                _tcs.TrySetResult(value);
            }
            else if (status == ArrStatus.Cancelled)
            {
                // By the caller's token, or by Dispose / ArrRuntime.Shutdown.
                if (Token.IsCancellationRequested)
                {
                    _tcs.TrySetCanceled(Token);
                }
                else
                {
                    _tcs.TrySetCanceled();
                }
            }
            else
            {
                _tcs.TrySetException(ErrorMapper.FromJson(status, json));
            }
        }
    }
}
