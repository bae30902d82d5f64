using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// A session being started (Microsoft's <c>StartRenderingSessionOperation</c>): <see cref="ResourceOperation{T, TWaitOptions}.Value"/>
    /// is the session from the start on; the operation has completed once the session left Starting, and then
    /// the value is the session as it ended, Ready or not (check <see cref="RenderingSession.Status"/>; an
    /// Error session carries <see cref="RenderingSession.Error"/>). Waits poll at the client's interval, within
    /// the library's default of 10 minutes unless <see cref="SessionWaitOptions"/> say otherwise. Cancelling a
    /// wait never stops the session; stop it with <see cref="RemoteRenderingClient.StopSession"/>.
    /// </summary>
    public class StartRenderingSessionOperation : ResourceOperation<RenderingSession, SessionWaitOptions>
    {
        /// <summary>For mocks.</summary>
        protected StartRenderingSessionOperation()
        {
        }

        /// <summary>Resumes following a session started earlier (e.g. by another process); call <see cref="ResourceOperation{T, TWaitOptions}.UpdateStatus"/> or wait.</summary>
        public StartRenderingSessionOperation(string sessionId, RemoteRenderingClient client)
            : base(sessionId, client, "sessionId")
        {
        }

        internal StartRenderingSessionOperation(RemoteRenderingClient client, RenderingSession session, Response raw)
            : base(session.SessionId, client, "sessionId", session, raw)
        {
        }

        /// <summary>The session as last seen (Starting right after the start; null when resumed and not yet read).</summary>
        public virtual RenderingSession LastSession
        {
            get { return Last; }
        }

        protected override string What
        {
            get { return "session"; }
        }

        /// <summary>The session left Starting (Ready, or ended).</summary>
        protected override bool IsFinal(RenderingSession session)
        {
            return session.Status != RenderingSessionStatus.Starting;
        }

        protected override Response<RenderingSession> Read(CancellationToken cancellationToken)
        {
            return Client.GetSession(Id, cancellationToken);
        }

        protected override Task<Response<RenderingSession>> ReadAsync(CancellationToken cancellationToken)
        {
            return Client.GetSessionAsync(Id, cancellationToken);
        }

        /// <summary>A wait that ended with the session (Error, Stopped, Expired) completes the operation; other failures throw.</summary>
        protected override Response<RenderingSession> Wait(SessionWaitOptions options, CancellationToken cancellationToken)
        {
            try
            {
                return Completed(Client.WaitForSessionReady(Id, options, cancellationToken));
            }
            catch (RemoteRenderingException e) when (e.ArrStatus == ArrStatus.SessionEnded && e.Session != null)
            {
                return Ended(e.Session);
            }
        }

        protected override async Task<Response<RenderingSession>> WaitAsync(SessionWaitOptions options, CancellationToken cancellationToken)
        {
            Task<Response<RenderingSession>> wait = Client.WaitForSessionReadyAsync(Id, options, cancellationToken);
            try
            {
                return Completed(await wait.ConfigureAwait(false));
            }
            catch (RemoteRenderingException e) when (e.ArrStatus == ArrStatus.SessionEnded && e.Session != null)
            {
                return Ended(e.Session);
            }
        }

        protected override SessionWaitOptions PollingEvery(TimeSpan pollingInterval)
        {
            return new SessionWaitOptions { PollInterval = pollingInterval };
        }
    }
}
