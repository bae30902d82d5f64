using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// A conversion being run (Microsoft's <c>AssetConversionOperation</c>): <see cref="Value"/> is the
    /// conversion from the start on; the operation has completed once the conversion is Succeeded, Failed or
    /// Cancelled, and then <see cref="Value"/> is the conversion in its final state (check
    /// <see cref="AssetConversion.Status"/>; a failed one carries <see cref="AssetConversion.Error"/>).
    /// Cancelling a wait never cancels the conversion.
    /// </summary>
    public class AssetConversionOperation : Operation<AssetConversion>
    {
        private readonly RemoteRenderingClient _client;
        private readonly string _id;
        private volatile AssetConversion _conversion;

        // The service's answer behind the latest read (the start's 201 at first).
        private volatile Response _raw;

        /// <summary>For mocks.</summary>
        protected AssetConversionOperation()
        {
        }

        /// <summary>Resumes following a conversion started earlier (e.g. by another process); call <see cref="UpdateStatus"/> or wait.</summary>
        public AssetConversionOperation(string conversionId, RemoteRenderingClient client)
        {
            if (conversionId == null)
            {
                throw new ArgumentNullException("conversionId");
            }
            if (client == null)
            {
                throw new ArgumentNullException("client");
            }
            _id = conversionId;
            _client = client;
        }

        internal AssetConversionOperation(RemoteRenderingClient client, AssetConversion conversion, Response raw)
            : this(conversion.ConversionId, client)
        {
            _conversion = conversion;
            _raw = raw;
        }

        /// <summary>The conversion id.</summary>
        public override string Id
        {
            get { return _id; }
        }

        /// <summary>The conversion as last seen (NotStarted right after the start; null when resumed and not yet read).</summary>
        public virtual AssetConversion LastConversion
        {
            get { return _conversion; }
        }

        /// <summary>True once the conversion is Succeeded, Failed or Cancelled.</summary>
        public override bool HasCompleted
        {
            get
            {
                AssetConversion conversion = _conversion;
                return conversion != null && conversion.Status.IsTerminal;
            }
        }

        /// <summary>
        /// True once the conversion has been read: from the start on (the service's answer to it), as Microsoft's
        /// operations carry the created conversion; for an operation resumed by id, after its first read.
        /// </summary>
        public override bool HasValue
        {
            get { return _conversion != null; }
        }

        /// <summary>
        /// The conversion as last seen: as created right after the start (its options, status NotStarted),
        /// in its final state once the operation has completed (<see cref="HasCompleted"/>). Throws only for
        /// an operation resumed by id before its first read.
        /// </summary>
        public override AssetConversion Value
        {
            get
            {
                AssetConversion conversion = _conversion;
                if (conversion == null)
                {
                    throw new InvalidOperationException("conversion " + _id + " has not been read yet: call UpdateStatus or wait");
                }
                return conversion;
            }
        }

        /// <summary>The service's answer behind the latest read: the start's (201 for a created session), then each update's or wait's.</summary>
        public override Response GetRawResponse()
        {
            return _raw ?? Response.Ok;
        }

        /// <summary>Reads the conversion once.</summary>
        public override Response UpdateStatus(CancellationToken cancellationToken = default(CancellationToken))
        {
            Response<AssetConversion> response = _client.GetConversion(_id, cancellationToken);
            _conversion = response.Value;
            _raw = response.GetRawResponse();
            return _raw;
        }

        public override async Task<Response> UpdateStatusAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            Response<AssetConversion> response = await _client.GetConversionAsync(_id, cancellationToken).ConfigureAwait(false);
            _conversion = response.Value;
            _raw = response.GetRawResponse();
            return _raw;
        }

        /// <summary>Waits (blocking) until the conversion finishes, polling every 10 s (or the client's interval), without a time limit.</summary>
        public override Response<AssetConversion> WaitForCompletion(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletion(null, cancellationToken);
        }

        /// <summary>
        /// Waits (blocking) until the conversion finishes; <paramref name="options"/> sets the poll interval
        /// and a timeout (then <see cref="RemoteRenderingException"/> with <see cref="ArrStatus.Timeout"/>).
        /// </summary>
        public virtual Response<AssetConversion> WaitForCompletion(ConversionWaitOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Completed(_client.WaitForConversion(_id, options, cancellationToken));
        }

        public override Task<Response<AssetConversion>> WaitForCompletionAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return WaitForCompletionAsync((ConversionWaitOptions)null, cancellationToken);
        }

        public override Task<Response<AssetConversion>> WaitForCompletionAsync(TimeSpan pollingInterval, CancellationToken cancellationToken)
        {
            return WaitForCompletionAsync(new ConversionWaitOptions { PollInterval = pollingInterval }, cancellationToken);
        }

        /// <summary>Waits until the conversion finishes; cancelling stops waiting, the conversion goes on.</summary>
        public virtual async Task<Response<AssetConversion>> WaitForCompletionAsync(ConversionWaitOptions options, CancellationToken cancellationToken)
        {
            return Completed(await _client.WaitForConversionAsync(_id, options, cancellationToken).ConfigureAwait(false));
        }

        private Response<AssetConversion> Completed(Response<AssetConversion> response)
        {
            _conversion = response.Value;
            _raw = response.GetRawResponse();
            return response;
        }
    }
}
