using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>Listing, waiting and tokens.</summary>
    public sealed partial class RemoteRenderingClient
    {
        /// <summary>The account's Starting and Ready sessions (all pages).</summary>
        public IReadOnlyList<RenderingSession> GetSessions()
        {
            return NativeCall.Run(Handle, RenderingSession.ParseList,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_list_sessions(c, out r));
        }

        public Task<IReadOnlyList<RenderingSession>> GetSessionsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Start(Handle, RenderingSession.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_sessions_async(c, cb, ud, out op));
        }

        /// <summary>
        /// Waits until the session is Ready. Throws <see cref="RemoteRenderingException"/> with
        /// <see cref="ArrStatus.SessionEnded"/> (and the session) if it stops, expires or fails, or
        /// <see cref="ArrStatus.Timeout"/>. Ending a wait never stops the session.
        /// </summary>
        public RenderingSession WaitForSessionReady(string sessionId, SessionWaitOptions options = null)
        {
            byte[] id = Utf8.ToNative(sessionId);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options));
            return NativeCall.Run(Handle, RenderingSession.Parse,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_wait_until_ready(c, id, wait, out r));
        }

        /// <summary>The async form of <see cref="WaitForSessionReady"/>; cancelling stops the wait, not the session.</summary>
        public Task<RenderingSession> WaitForSessionReadyAsync(
            string sessionId, SessionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options));
            return NativeCall.Start(Handle, RenderingSession.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_until_ready_async(c, id, wait, cb, ud, out op));
        }

        /// <summary>
        /// Waits for many sessions at once (one list request per poll). The results are in the order of
        /// <paramref name="sessionIds"/>, each Ok with the session or with why not.
        /// </summary>
        public IReadOnlyList<SessionWaitResult> WaitForSessions(IEnumerable<string> sessionIds, SessionWaitOptions options = null)
        {
            byte[] ids = IdsJson(sessionIds);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options));
            return NativeCall.Run(Handle, SessionWaitResult.ParseList,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_wait_for_sessions(c, ids, wait, out r));
        }

        public Task<IReadOnlyList<SessionWaitResult>> WaitForSessionsAsync(
            IEnumerable<string> sessionIds, SessionWaitOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] ids = IdsJson(sessionIds);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(options));
            return NativeCall.Start(Handle, SessionWaitResult.ParseList, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_for_sessions_async(c, ids, wait, cb, ud, out op));
        }

        /// <summary>A currently valid Mixed Reality access token, for a renderer or backend. A secret: never log it.</summary>
        public string GetAccessToken()
        {
            return NativeCall.Run(Handle, ParseToken,
                (ClientHandle c, out IntPtr r) => NativeMethods.arr_client_get_access_token(c, out r));
        }

        public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Start(Handle, ParseToken, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_access_token_async(c, cb, ud, out op));
        }

        private static string ParseToken(string json)
        {
            return Json.ParseObject(json).GetString("accessToken");
        }

        private static byte[] IdsJson(IEnumerable<string> sessionIds)
        {
            if (sessionIds == null)
            {
                throw new ArgumentNullException("sessionIds");
            }
            var ids = new List<string>(sessionIds);
            if (ids.Contains(null))
            {
                throw new ArgumentException("contains null", "sessionIds");
            }
            return Utf8.ToNative(JsonWriter.StringArray(ids));
        }
    }
}
