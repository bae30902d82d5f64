using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>What the tokens of a token provider are (<c>arr_token_kind</c>).</summary>
    public enum RemoteRenderingTokenKind
    {
        /// <summary>Mixed Reality access tokens, used as they are.</summary>
        AccessToken = ArrTokenKind.AccessToken,

        /// <summary>Microsoft Entra ID (AAD) tokens, exchanged at the Mixed Reality STS.</summary>
        AzureActiveDirectory = ArrTokenKind.Aad,
    }
}

namespace ArrSession.Internal
{
    /// <summary>
    /// Connects a host token provider to <c>arr_client_new_with_token_provider</c>. Every request is
    /// answered exactly once: with the token, or at once with a failure naming what went wrong (the
    /// provider threw, returned no task, failed, was cancelled, or gave an empty or unusable token).
    /// <para>
    /// A request is posted to the client's <c>TokenProviderContext</c>, except while the binding itself is
    /// closing the client (<c>Dispose</c>, its <c>SafeHandle</c> released) or shutting the library down
    /// (<see cref="ArrRuntime.Shutdown"/>: Unity's quit and domain reload). Those calls usually run on the
    /// context's own thread (Unity's main thread) and block it until the owned sessions are stopped, and the
    /// stop may need a token: posted there, the request would wait for the blocked thread until the close
    /// timeout, and the sessions would keep running. So then the provider runs on a thread-pool thread.
    /// </para>
    /// </summary>
    internal sealed class TokenBridge
    {
        private static readonly ArrTokenCallback Callback = OnTokenRequested;
        private static readonly SendOrPostCallback RunPosted = state => ((Request)state).Ask();
        private static readonly WaitCallback RunPooled = state => ((Request)state).Ask();

        // How many ArrRuntime.Shutdown calls are in progress (on any thread).
        private static int _shuttingDown;

        // user_data is a key into this table rather than a GCHandle: a key that is no longer present (the
        // client was freed) is answered with a failure instead of touching freed state.
        private static readonly Dictionary<long, TokenBridge> Live = new Dictionary<long, TokenBridge>();
        private static long _nextKey;
        private readonly Func<Task<string>> _provider;
        private readonly SynchronizationContext _context;
        private ClientHandle _handle;

        private TokenBridge(Func<Task<string>> provider, SynchronizationContext context)
        {
            _provider = provider;
            _context = context;
        }

        internal static ClientHandle CreateClient(
            byte[] configJson, RemoteRenderingTokenKind kind, Func<Task<string>> provider, SynchronizationContext context)
        {
            long key = Interlocked.Increment(ref _nextKey);
            lock (Live)
            {
                Live[key] = new TokenBridge(provider, context);
            }
            ClientHandle handle = null;
            uint status = (uint)ArrStatus.Panic;
            try
            {
                status = NativeMethods.arr_client_new_with_token_provider(configJson, (uint)kind, Callback, new IntPtr(key), out handle);
                if (status != (uint)ArrStatus.Ok)
                {
                    throw ErrorMapper.FromLastError(status);
                }
            }
            finally
            {
                if (status != (uint)ArrStatus.Ok)
                {
                    Forget(key);
                }
            }
            lock (Live)
            {
                Live[key]._handle = handle;
            }
            handle.OnReleased(() => Forget(key));
            return handle;
        }

        /// <summary>Brackets <c>arr_shutdown</c>: token requests made meanwhile skip the providers' contexts.</summary>
        internal static void BeginShutdown()
        {
            Interlocked.Increment(ref _shuttingDown);
        }

        internal static void EndShutdown()
        {
            Interlocked.Decrement(ref _shuttingDown);
        }

        /// <summary>Whether the binding is closing this client or shutting the library down.</summary>
        private bool Closing
        {
            get
            {
                ClientHandle handle = _handle;
                return Volatile.Read(ref _shuttingDown) != 0 || (handle != null && handle.IsClosing);
            }
        }

        private static void Forget(long key)
        {
            lock (Live)
            {
                Live.Remove(key);
            }
        }

        [AOT.MonoPInvokeCallback(typeof(ArrTokenCallback))]
        private static void OnTokenRequested(IntPtr userData, IntPtr request)
        {
            // Runs on a library thread; the request must be answered exactly once, now or later.
            var pending = new Request(request);
            try
            {
                TokenBridge bridge;
                lock (Live)
                {
                    Live.TryGetValue(userData.ToInt64(), out bridge);
                }
                if (bridge == null)
                {
                    pending.Fail("the client was disposed");
                    return;
                }
                pending.Provider = bridge._provider;
                if (bridge._context == null)
                {
                    pending.Ask();
                }
                else if (bridge.Closing)
                {
                    // The context's thread may be the one blocked in Dispose or Shutdown (see above).
                    ThreadPool.QueueUserWorkItem(RunPooled, pending);
                }
                else
                {
                    bridge._context.Post(RunPosted, pending);
                }
            }
            catch (Exception e)
            {
                pending.Fail("the token provider could not be scheduled: " + Describe(e));
            }
        }

        /// <summary>Why <paramref name="token"/> cannot go into an Authorization header, or null if it can.</summary>
        internal static string Problem(string token)
        {
            if (token == null)
            {
                return "the token provider gave no token (null)";
            }
            string trimmed = token.Trim();
            if (trimmed.Length == 0)
            {
                return "the token provider gave an empty token";
            }
            for (int i = 0; i < trimmed.Length; i++)
            {
                char c = trimmed[i];
                if (c < 0x20 || c > 0x7E)
                {
                    return "the token provider gave a token with a character not allowed in an HTTP header (U+"
                        + ((int)c).ToString("X4") + " at index " + i + ")";
                }
            }
            return null;
        }

        private static string Describe(Exception e)
        {
            Exception inner = e is AggregateException ? e.GetBaseException() : e;
            return inner.GetType().Name + ": " + inner.Message;
        }

        /// <summary>One token request, answered once.</summary>
        private sealed class Request
        {
            private IntPtr _request;

            internal Request(IntPtr request)
            {
                _request = request;
            }

            internal Func<Task<string>> Provider { get; set; }

            /// <summary>Runs the provider (on the library thread or the app's context) and answers when it is done.</summary>
            internal void Ask()
            {
                Task<string> task;
                try
                {
                    task = Provider();
                }
                catch (Exception e)
                {
                    Fail("the token provider threw " + Describe(e));
                    return;
                }
                if (task == null)
                {
                    Fail("the token provider returned no task");
                    return;
                }
                try
                {
                    task.ContinueWith(t => Answer(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                catch (Exception e)
                {
                    Fail("cannot wait for the token provider: " + Describe(e));
                }
            }

            private void Answer(Task<string> task)
            {
                if (task.IsFaulted)
                {
                    Fail("the token provider failed: " + Describe(task.Exception));
                    return;
                }
                if (task.IsCanceled)
                {
                    Fail("the token provider was cancelled");
                    return;
                }
                string token = task.Result;
                string problem = Problem(token);
                if (problem != null)
                {
                    Fail(problem);
                    return;
                }
                IntPtr request = Interlocked.Exchange(ref _request, IntPtr.Zero);
                if (request == IntPtr.Zero)
                {
                    return;
                }
                try
                {
                    // Consumes the request even when it refuses the token (then the operation fails at once).
                    NativeMethods.arr_token_request_complete(request, Utf8.ToNative(token.Trim()));
                }
                catch (Exception e)
                {
                    ArrLog.ReportCallbackException("token provider", e);
                }
            }

            internal void Fail(string message)
            {
                IntPtr request = Interlocked.Exchange(ref _request, IntPtr.Zero);
                if (request == IntPtr.Zero)
                {
                    return;
                }
                try
                {
                    NativeMethods.arr_token_request_fail(request, Utf8.ToNative(message.Replace('\0', ' ')));
                }
                catch (Exception e)
                {
                    ArrLog.ReportCallbackException("token provider", e);
                }
            }
        }
    }
}
