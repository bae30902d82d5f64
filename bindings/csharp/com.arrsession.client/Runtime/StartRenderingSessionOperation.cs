using System;
using System.Threading;
using System.Threading.Tasks;

namespace ArrSession
{
    /// <summary>
    /// A session being started (a long-running operation in the Azure SDK's style): poll it with
    /// <see cref="UpdateStatusAsync"/>, or wait with <see cref="WaitForCompletionAsync(CancellationToken)"/>.
    /// Cancelling a wait never stops the session; stop it with <see cref="RemoteRenderingClient.StopSessionAsync"/>.
    /// </summary>
    public sealed class StartRenderingSessionOperation
    {
        private readonly RemoteRenderingClient _client;
        private volatile RenderingSession _session;

        internal StartRenderingSessionOperation(RemoteRenderingClient client, RenderingSession session)
        {
            _client = client;
            _session = session;
            SessionId = session.Id;
        }

        public string SessionId { get; private set; }

        /// <summary>The session as last seen (Starting right after the start).</summary>
        public RenderingSession LastSession
        {
            get { return _session; }
        }

        /// <summary>True once the session left Starting (Ready, or ended).</summary>
        public bool HasCompleted
        {
            get { return _session.Status != RenderingSessionStatus.Starting; }
        }

        /// <summary>True once the session is Ready.</summary>
        public bool HasValue
        {
            get { return _session.IsReady; }
        }

        /// <summary>The Ready session; throws until <see cref="HasValue"/>.</summary>
        public RenderingSession Value
        {
            get
            {
                RenderingSession session = _session;
                if (!session.IsReady)
                {
                    throw new InvalidOperationException("session " + SessionId + " is " + session.Status + ", not Ready");
                }
                return session;
            }
        }

        /// <summary>Reads the session once (blocking) and returns it.</summary>
        public RenderingSession UpdateStatus()
        {
            return _session = _client.GetSession(SessionId);
        }

        /// <summary>Reads the session once and returns it.</summary>
        public async Task<RenderingSession> UpdateStatusAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            RenderingSession session = await _client.GetSessionAsync(SessionId, cancellationToken).ConfigureAwait(false);
            return _session = session;
        }

        /// <summary>Waits (blocking) until the session is Ready; see <see cref="RemoteRenderingClient.WaitForSessionReady"/>.</summary>
        public RenderingSession WaitForCompletion(SessionWaitOptions options = null)
        {
            try
            {
                return _session = _client.WaitForSessionReady(SessionId, options);
            }
            catch (RemoteRenderingException e)
            {
                Remember(e);
                throw;
            }
        }

        public Task<RenderingSession> WaitForCompletionAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletionAsync(null, cancellationToken);
        }

        /// <summary>Waits until the session is Ready; cancelling stops waiting, the session keeps running.</summary>
        public async Task<RenderingSession> WaitForCompletionAsync(SessionWaitOptions options, CancellationToken cancellationToken)
        {
            Task<RenderingSession> wait = _client.WaitForSessionReadyAsync(SessionId, options, cancellationToken);
            try
            {
                return _session = await wait.ConfigureAwait(false);
            }
            catch (RemoteRenderingException e)
            {
                Remember(e);
                throw;
            }
        }

        private void Remember(RemoteRenderingException e)
        {
            if (e.Session != null)
            {
                _session = e.Session;
            }
        }
    }
}
