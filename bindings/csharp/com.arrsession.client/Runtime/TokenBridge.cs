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
        AccessToken = 0,

        /// <summary>Microsoft Entra ID (AAD) tokens, exchanged at the Mixed Reality STS.</summary>
        AzureActiveDirectory = 1,
    }
}

namespace ArrSession.Internal
{
    /// <summary>Connects a host token provider to <c>arr_client_new_with_token_provider</c>.</summary>
    internal sealed class TokenBridge
    {
        private static readonly ArrTokenCallback Callback = OnTokenRequested;

        // user_data is a key into this table rather than a GCHandle: the library may still start a token
        // callback after arr_client_free has returned (see the package README, "Known library issues"), and
        // a key that is no longer present is answered with a failure instead of touching freed state.
        private static readonly Dictionary<long, TokenBridge> Live = new Dictionary<long, TokenBridge>();
        private static long _nextKey;
        private readonly Func<Task<string>> _provider;

        private TokenBridge(Func<Task<string>> provider)
        {
            _provider = provider;
        }

        internal static ClientHandle CreateClient(string configJson, RemoteRenderingTokenKind kind, Func<Task<string>> provider)
        {
            long key = Interlocked.Increment(ref _nextKey);
            lock (Live)
            {
                Live[key] = new TokenBridge(provider);
            }
            ClientHandle handle = null;
            uint status = (uint)ArrStatus.Panic;
            try
            {
                status = NativeMethods.arr_client_new_with_token_provider(
                    Utf8.ToNative(configJson), (uint)kind, Callback, new IntPtr(key), out handle);
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
            handle.OnReleased(() => Forget(key));
            return handle;
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
            try
            {
                TokenBridge bridge;
                lock (Live)
                {
                    Live.TryGetValue(userData.ToInt64(), out bridge);
                }
                if (bridge == null)
                {
                    Fail(request, "the client was disposed");
                    return;
                }
                Task<string> task = bridge._provider();
                if (task == null)
                {
                    Fail(request, "the token provider returned no task");
                    return;
                }
                task.ContinueWith(t => Answer(request, t), TaskContinuationOptions.ExecuteSynchronously);
            }
            catch (Exception e)
            {
                Fail(request, "the token provider threw " + e.GetType().Name + ": " + e.Message);
            }
        }

        private static void Answer(IntPtr request, Task<string> task)
        {
            try
            {
                if (task.Status == TaskStatus.RanToCompletion && !string.IsNullOrEmpty(task.Result))
                {
                    NativeMethods.arr_token_request_complete(request, Utf8.ToNative(task.Result));
                }
                else if (task.IsFaulted)
                {
                    Exception e = task.Exception.GetBaseException();
                    Fail(request, "the token provider failed: " + e.GetType().Name + ": " + e.Message);
                }
                else
                {
                    Fail(request, task.IsCanceled ? "the token provider was cancelled" : "the token provider gave no token");
                }
            }
            catch (Exception e)
            {
                ArrLog.ReportCallbackException("token provider", e);
            }
        }

        private static void Fail(IntPtr request, string message)
        {
            try
            {
                NativeMethods.arr_token_request_fail(request, Utf8.ToNative(message));
            }
            catch (Exception e)
            {
                ArrLog.ReportCallbackException("token provider", e);
            }
        }
    }
}
