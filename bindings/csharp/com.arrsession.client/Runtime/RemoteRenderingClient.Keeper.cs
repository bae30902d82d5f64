using System;
using System.Threading;
using ArrSession.Internal;

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
            return SessionKeeper.Start(Handle, sessionId, KeepSessionOptions.ToJson(options), cancellationToken);
        }
    }
}
