using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// What <see cref="StartRenderingSessionOperation"/> and <see cref="AssetConversionOperation"/> share: an
    /// operation that follows one resource of the service (a session, a conversion) by its id.
    /// <see cref="Value"/> is the resource as last seen, from the start on (the service's answer to the start,
    /// as Microsoft's operations carry it); reads and waits go through the client, and each keeps the service's
    /// answer behind it (<see cref="GetRawResponse"/>). Cancelling a wait never stops the resource.
    /// </summary>
    /// <typeparam name="T">The resource: <see cref="RenderingSession"/> or <see cref="AssetConversion"/>.</typeparam>
    /// <typeparam name="TWaitOptions">Its wait options: <see cref="SessionWaitOptions"/> or <see cref="ConversionWaitOptions"/>.</typeparam>
    public abstract class ResourceOperation<T, TWaitOptions> : Operation<T>
        where T : class
        where TWaitOptions : class
    {
        private readonly RemoteRenderingClient _client;
        private readonly string _id;
        private volatile T _value;

        // The service's answer behind the latest read (the start's at first).
        private volatile Response _raw;

        /// <summary>For mocks.</summary>
        protected ResourceOperation()
        {
        }

        /// <summary>Follows the resource <paramref name="id"/>; nothing is read until an update or a wait.</summary>
        protected ResourceOperation(string id, RemoteRenderingClient client, string idName)
        {
            if (id == null)
            {
                throw new ArgumentNullException(idName);
            }
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _id = id;
            _client = client;
        }

        /// <summary>Follows a resource just started: <paramref name="value"/> and the service's answer to the start.</summary>
        protected ResourceOperation(string id, RemoteRenderingClient client, string idName, T value, Response raw)
            : this(id, client, idName)
        {
            _value = value;
            _raw = raw;
        }

        /// <summary>The client the reads and waits go through.</summary>
        protected RemoteRenderingClient Client
        {
            get { return _client; }
        }

        /// <summary>The resource as last seen; null when resumed by id and not yet read.</summary>
        protected T Last
        {
            get { return _value; }
        }

        /// <summary>"session" or "conversion", for messages.</summary>
        protected abstract string What { get; }

        /// <summary>Whether the operation has completed once the resource is <paramref name="value"/>.</summary>
        protected abstract bool IsFinal(T value);

        /// <summary>Reads the resource once.</summary>
        protected abstract Response<T> Read(CancellationToken cancellationToken);

        /// <summary>Reads the resource once, asynchronously.</summary>
        protected abstract Task<Response<T>> ReadAsync(CancellationToken cancellationToken);

        /// <summary>Waits (blocking) for the resource's end; returns <see cref="Completed"/> or <see cref="Ended"/>.</summary>
        protected abstract Response<T> Wait(TWaitOptions options, CancellationToken cancellationToken);

        /// <summary>Waits for the resource's end; returns <see cref="Completed"/> or <see cref="Ended"/>.</summary>
        protected abstract Task<Response<T>> WaitAsync(TWaitOptions options, CancellationToken cancellationToken);

        /// <summary>Wait options with only a poll interval.</summary>
        protected abstract TWaitOptions PollingEvery(TimeSpan pollingInterval);

        /// <summary>The resource id.</summary>
        public override string Id
        {
            get { return _id; }
        }

        /// <summary>True once the resource reached the state the operation waits for (see the derived class).</summary>
        public override bool HasCompleted
        {
            get
            {
                T value = _value;
                return value != null && IsFinal(value);
            }
        }

        /// <summary>
        /// True once the resource has been read: from the start on (the service's answer to it), as Microsoft's
        /// operations carry the created resource; for an operation resumed by id, after its first read.
        /// </summary>
        public override bool HasValue
        {
            get { return _value != null; }
        }

        /// <summary>
        /// The resource as last seen: as created right after the start, as it ended once the operation has
        /// completed (<see cref="HasCompleted"/>). Throws only for an operation resumed by id before its first read.
        /// </summary>
        public override T Value
        {
            get
            {
                T value = _value;
                if (value == null)
                {
                    throw new InvalidOperationException(What + " " + _id + " has not been read yet: call UpdateStatus or wait");
                }
                return value;
            }
        }

        /// <summary>The service's answer behind the latest read: the start's (201 for a created resource), then each update's or wait's.</summary>
        public override Response GetRawResponse()
        {
            return _raw ?? Response.Ok;
        }

        /// <summary>Reads the resource once.</summary>
        public override Response UpdateStatus(CancellationToken cancellationToken = default(CancellationToken))
        {
            return Completed(Read(cancellationToken)).GetRawResponse();
        }

        public override async Task<Response> UpdateStatusAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return Completed(await ReadAsync(cancellationToken).ConfigureAwait(false)).GetRawResponse();
        }

        /// <summary>Waits (blocking) until the operation completes, with the client's poll interval and the library's time limit.</summary>
        public override Response<T> WaitForCompletion(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletion(null, cancellationToken);
        }

        /// <summary>
        /// Waits (blocking) until the operation completes; <paramref name="options"/> sets the poll interval
        /// and a timeout (then <see cref="RemoteRenderingException"/> with <see cref="ArrStatus.Timeout"/>).
        /// </summary>
        public virtual Response<T> WaitForCompletion(TWaitOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Wait(options, cancellationToken);
        }

        public override Task<Response<T>> WaitForCompletionAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletionAsync((TWaitOptions)null, cancellationToken);
        }

        public override Task<Response<T>> WaitForCompletionAsync(TimeSpan pollingInterval, CancellationToken cancellationToken)
        {
            return WaitForCompletionAsync(PollingEvery(pollingInterval), cancellationToken);
        }

        /// <summary>Waits until the operation completes; cancelling stops waiting, the resource goes on.</summary>
        public virtual Task<Response<T>> WaitForCompletionAsync(TWaitOptions options, CancellationToken cancellationToken)
        {
            return WaitAsync(options, cancellationToken);
        }

        /// <summary>Takes a read's or a wait's answer as the resource's latest state.</summary>
        protected Response<T> Completed(Response<T> response)
        {
            _value = response.Value;
            _raw = response.GetRawResponse();
            return response;
        }

        /// <summary>A wait that ended with the resource in a state it will not leave: the operation has completed with it.</summary>
        protected Response<T> Ended(T value)
        {
            _value = value;
            return new Response<T>(value, null);
        }
    }
}
