using System;
using System.Collections.Generic;
using System.Threading;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>The lease keeper (not in Microsoft's SDK).</summary>
    public partial class RemoteRenderingClient
    {
        /// <summary>
        /// Keeps <paramref name="sessionId"/> alive until it ends or the keeper is stopped: renews its lease
        /// when less than <see cref="KeepSessionOptions.RenewBelow"/> is left, to the service's current lease
        /// plus <see cref="KeepSessionOptions.ExtendBy"/> (an absolute total, so two keepers or a restarted app
        /// never add twice), never beyond <see cref="KeepSessionOptions.MaxTotal"/>, and warns before an end
        /// that will not be renewed. Returns at once; events arrive through <see cref="SessionKeeper.Changed"/>
        /// on the current SynchronizationContext (Unity: the main thread). Cancelling
        /// <paramref name="cancellationToken"/>, <see cref="SessionKeeper.Cancel"/>, disposing the keeper or this
        /// client stop it; the lease then stays as it is, so the session still ends by itself when it runs out.
        /// Bad arguments throw <see cref="ArgumentException"/> here, before any request.
        /// </summary>
        public virtual SessionKeeper KeepSession(
            string sessionId, KeepSessionOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            return SessionKeeper.Start(Handle, new[] { sessionId }, id, false, KeepSessionOptions.ToJson(options), cancellationToken);
        }

        /// <summary>
        /// Keeps several sessions with one list request per poll (<c>arr_client_keep_sessions</c>), each as
        /// <see cref="KeepSession"/> keeps one, with the same <paramref name="options"/>. The events name their
        /// session (<see cref="KeepSessionEventArgs.SessionId"/>); a session that cannot be kept (unknown,
        /// credentials refused) has a Failed event with its <see cref="KeepSessionEventArgs.Exception"/> and the
        /// others are kept on. <see cref="SessionKeeper.Completion"/> runs to completion once every session
        /// ended or failed. An empty list or a bad id throws <see cref="ArgumentException"/> here.
        /// </summary>
        public virtual SessionKeeper KeepSessions(
            IEnumerable<string> sessionIds, KeepSessionOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            // Enumerated once: a lazy sequence could give other ids the second time.
            List<string> kept = sessionIds == null ? null : new List<string>(sessionIds);
            byte[] ids = IdsJson(kept);
            return SessionKeeper.Start(Handle, kept, ids, true, KeepSessionOptions.ToJson(options), cancellationToken);
        }
    }
}
