using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>What the library adds to Microsoft's shape: waits, the session guard, tokens.</summary>
    public partial class RemoteRenderingClient
    {
        /// <summary>
        /// Waits until the session is Ready. Throws <see cref="RemoteRenderingException"/> with
        /// <see cref="ArrStatus.SessionEnded"/> (and the session) if it stops, expires or fails, or
        /// <see cref="ArrStatus.Timeout"/>. Cancelling or disposing ends the wait, never the session.
        /// </summary>
        public virtual Response<RenderingSession> WaitForSessionReady(
            string sessionId, SessionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options), "options");
            return NativeCall.Block(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_until_ready_async(c, id, wait, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="WaitForSessionReady"/>.</summary>
        public virtual Task<Response<RenderingSession>> WaitForSessionReadyAsync(
            string sessionId, SessionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options), "options");
            return NativeCall.Start(Handle, ParseSession, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_until_ready_async(c, id, wait, cb, ud, out op));
        }

        /// <summary>
        /// Waits for many sessions at once (one list request per poll). The results are in the order of
        /// <paramref name="sessionIds"/>, each Ok with the session or with why not.
        /// </summary>
        public virtual IReadOnlyList<SessionResult> WaitForSessions(
            IEnumerable<string> sessionIds, SessionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] ids = IdsJson(sessionIds);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options), "options");
            return NativeCall.Block(Handle, SessionResult.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_for_sessions_async(c, ids, wait, cb, ud, out op));
        }

        public virtual Task<IReadOnlyList<SessionResult>> WaitForSessionsAsync(
            IEnumerable<string> sessionIds, SessionWaitOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] ids = IdsJson(sessionIds);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options), "options");
            return NativeCall.Start(Handle, SessionResult.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_for_sessions_async(c, ids, wait, cb, ud, out op));
        }

        /// <summary>
        /// The ids of the sessions this client owns: started through it (unless with
        /// <see cref="RenderingSessionOptions.Owned"/> false) and not stopped — the library's session guard,
        /// which also covers a start whose answer was lost. Does not block.
        /// </summary>
        public virtual IReadOnlyList<string> GetOwnedSessionIds()
        {
            return NativeCall.Run(Handle, ParseIds,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_get_owned_sessions(c, out r));
        }

        /// <summary>
        /// Stops every session this client owns, concurrently, within <paramref name="timeout"/> (default
        /// 10 s); one result per session (a session the service no longer knows counts as stopped).
        /// </summary>
        public virtual IReadOnlyList<SessionResult> StopOwnedSessions(
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            uint ms = TimeoutMillis(timeout);
            return NativeCall.Block(Handle, SessionResult.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_stop_owned_sessions_async(c, ms, cb, ud, out op));
        }

        public virtual Task<IReadOnlyList<SessionResult>> StopOwnedSessionsAsync(
            TimeSpan? timeout = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            uint ms = TimeoutMillis(timeout);
            return NativeCall.Start(Handle, SessionResult.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_stop_owned_sessions_async(c, ms, cb, ud, out op));
        }

        /// <summary>A currently valid Mixed Reality access token, for a renderer or backend. A secret: never log it.</summary>
        public virtual string GetAccessToken(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Block(Handle, ParseToken, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_access_token_async(c, cb, ud, out op));
        }

        public virtual Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Start(Handle, ParseToken, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_access_token_async(c, cb, ud, out op));
        }

        private static uint TimeoutMillis(TimeSpan? timeout)
        {
            long? ms = SessionWaitOptions.Millis(timeout ?? TimeSpan.FromSeconds(10));
            if (ms < 0 || ms > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException("timeout", timeout, "must be between 0 and 49 days");
            }
            return (uint)ms.Value;
        }

        private static string ParseToken(string json)
        {
            return Json.ParseObject(json).GetString("accessToken");
        }

        private static IReadOnlyList<string> ParseIds(string json)
        {
            var ids = new List<string>();
            foreach (object id in Json.ParseArray(json))
            {
                ids.Add((string)id);
            }
            return ids;
        }

        internal static byte[] IdsJson(IEnumerable<string> sessionIds)
        {
            if (sessionIds == null)
            {
                throw new ArgumentNullException("sessionIds");
            }
            var ids = new List<string>(sessionIds);
            for (int i = 0; i < ids.Count; i++)
            {
                if (ids[i] == null)
                {
                    throw new ArgumentException("contains null", "sessionIds");
                }
                Utf8.ToNative(ids[i], "sessionIds");
            }
            return Utf8.ToNative(JsonWriter.StringArray(ids), "sessionIds");
        }
    }
}
