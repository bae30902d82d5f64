using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// A session being started (Microsoft's <c>StartRenderingSessionOperation</c>): <see cref="Value"/> is
    /// the session from the start on; the operation has completed once the session left Starting, and then
    /// <see cref="Value"/> is the session as it ended, Ready or not (check
    /// <see cref="RenderingSession.Status"/>; an Error session carries <see cref="RenderingSession.Error"/>).
    /// Cancelling a wait never stops the session; stop it with <see cref="RemoteRenderingClient.StopSession"/>.
    /// </summary>
    public class StartRenderingSessionOperation : Operation<RenderingSession>
    {
        private readonly RemoteRenderingClient _client;
        private readonly string _id;
        private volatile RenderingSession _session;

        // The service's answer behind the latest read (the start's 201 at first).
        private volatile Response _raw;

        /// <summary>For mocks.</summary>
        protected StartRenderingSessionOperation()
        {
        }

        /// <summary>Resumes following a session started earlier (e.g. by another process); call <see cref="UpdateStatus"/> or wait.</summary>
        public StartRenderingSessionOperation(string sessionId, RemoteRenderingClient client)
        {
            if (sessionId == null)
            {
                throw new ArgumentNullException("sessionId");
            }
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _id = sessionId;
            _client = client;
        }

        internal StartRenderingSessionOperation(RemoteRenderingClient client, RenderingSession session, Response raw)
            : this(session.SessionId, client)
        {
            _session = session;
            _raw = raw;
        }

        /// <summary>The session id.</summary>
        public override string Id
        {
            get { return _id; }
        }

        /// <summary>The session as last seen (Starting right after the start; null when resumed and not yet read).</summary>
        public virtual RenderingSession LastSession
        {
            get { return _session; }
        }

        /// <summary>True once the session left Starting (Ready, or ended).</summary>
        public override bool HasCompleted
        {
            get
            {
                RenderingSession session = _session;
                return session != null && session.Status != RenderingSessionStatus.Starting;
            }
        }

        /// <summary>
        /// True once the session has been read: from the start on (the service's answer to it), as Microsoft's
        /// operations carry the created session; for an operation resumed by id, after its first read.
        /// </summary>
        public override bool HasValue
        {
            get { return _session != null; }
        }

        /// <summary>
        /// The session as last seen: as created (Starting) right after the start, as it ended once the
        /// operation has completed (<see cref="HasCompleted"/>). Throws only for an operation resumed by id
        /// before its first read.
        /// </summary>
        public override RenderingSession Value
        {
            get
            {
                RenderingSession session = _session;
                if (session == null)
                {
                    throw new InvalidOperationException("session " + _id + " has not been read yet: call UpdateStatus or wait");
                }
                return session;
            }
        }

        /// <summary>The service's answer behind the latest read: the start's (201 for a created session), then each update's or wait's.</summary>
        public override Response GetRawResponse()
        {
            return _raw ?? Response.Ok;
        }

        /// <summary>Reads the session once.</summary>
        public override Response UpdateStatus(CancellationToken cancellationToken = default(CancellationToken))
        {
            Response<RenderingSession> response = _client.GetSession(_id, cancellationToken);
            _session = response.Value;
            _raw = response.GetRawResponse();
            return _raw;
        }

        public override async Task<Response> UpdateStatusAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            Response<RenderingSession> response = await _client.GetSessionAsync(_id, cancellationToken).ConfigureAwait(false);
            _session = response.Value;
            _raw = response.GetRawResponse();
            return _raw;
        }

        /// <summary>Waits (blocking) until the session leaves Starting, polling at the client's interval.</summary>
        public override Response<RenderingSession> WaitForCompletion(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletion(null, cancellationToken);
        }

        /// <summary>
        /// Waits (blocking) until the session leaves Starting; <paramref name="options"/> sets the poll
        /// interval and a timeout (the library's default: 10 minutes; then <see cref="ArrStatus.Timeout"/>).
        /// </summary>
        public virtual Response<RenderingSession> WaitForCompletion(SessionWaitOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            try
            {
                return Completed(_client.WaitForSessionReady(_id, options, cancellationToken));
            }
            catch (RemoteRenderingException e) when (e.ArrStatus == ArrStatus.SessionEnded && e.Session != null)
            {
                return Ended(e);
            }
        }

        public override Task<Response<RenderingSession>> WaitForCompletionAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletionAsync((SessionWaitOptions)null, cancellationToken);
        }

        public override Task<Response<RenderingSession>> WaitForCompletionAsync(TimeSpan pollingInterval, CancellationToken cancellationToken)
        {
            return WaitForCompletionAsync(new SessionWaitOptions { PollInterval = pollingInterval }, cancellationToken);
        }

        /// <summary>Waits until the session leaves Starting; cancelling stops waiting, the session keeps running.</summary>
        public virtual async Task<Response<RenderingSession>> WaitForCompletionAsync(SessionWaitOptions options, CancellationToken cancellationToken)
        {
            Task<Response<RenderingSession>> wait = _client.WaitForSessionReadyAsync(_id, options, cancellationToken);
            try
            {
                return Completed(await wait.ConfigureAwait(false));
            }
            catch (RemoteRenderingException e) when (e.ArrStatus == ArrStatus.SessionEnded && e.Session != null)
            {
                return Ended(e);
            }
        }

        private Response<RenderingSession> Completed(Response<RenderingSession> response)
        {
            _session = response.Value;
            _raw = response.GetRawResponse();
            return response;
        }

        /// <summary>A wait that ended with the session (Error, Stopped, Expired) completes the operation; other failures throw.</summary>
        private Response<RenderingSession> Ended(RemoteRenderingException e)
        {
            _session = e.Session;
            return new Response<RenderingSession>(e.Session, null);
        }
    }
}
