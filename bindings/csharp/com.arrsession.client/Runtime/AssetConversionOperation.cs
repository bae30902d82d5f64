using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;

namespace ArrSession
{
    /// <summary>
    /// A conversion being run (Microsoft's <c>AssetConversionOperation</c>): <see cref="ResourceOperation{T, TWaitOptions}.Value"/>
    /// is the conversion from the start on; the operation has completed once the conversion is Succeeded, Failed
    /// or Cancelled, and then the value is the conversion in its final state (check
    /// <see cref="AssetConversion.Status"/>; a failed one carries <see cref="AssetConversion.Error"/>). Waits
    /// poll every 10 s (or the client's interval) without a time limit unless
    /// <see cref="ConversionWaitOptions"/> say otherwise. Cancelling a wait never cancels the conversion.
    /// </summary>
    public class AssetConversionOperation : ResourceOperation<AssetConversion, ConversionWaitOptions>
    {
        /// <summary>For mocks.</summary>
        protected AssetConversionOperation()
        {
        }

        /// <summary>Resumes following a conversion started earlier (e.g. by another process); call <see cref="ResourceOperation{T, TWaitOptions}.UpdateStatus"/> or wait.</summary>
        public AssetConversionOperation(string conversionId, RemoteRenderingClient client)
            : base(conversionId, client, "conversionId")
        {
        }

        internal AssetConversionOperation(RemoteRenderingClient client, AssetConversion conversion, Response raw)
            : base(conversion.ConversionId, client, "conversionId", conversion, raw)
        {
        }

        /// <summary>The conversion as last seen (NotStarted right after the start; null when resumed and not yet read).</summary>
        public virtual AssetConversion LastConversion
        {
            get { return Last; }
        }

        protected override string What
        {
            get { return "conversion"; }
        }

        /// <summary>Succeeded, Failed or Cancelled.</summary>
        protected override bool IsFinal(AssetConversion conversion)
        {
            return conversion.Status.IsTerminal;
        }

        protected override Response<AssetConversion> Read(CancellationToken cancellationToken)
        {
            return Client.GetConversion(Id, cancellationToken);
        }

        protected override Task<Response<AssetConversion>> ReadAsync(CancellationToken cancellationToken)
        {
            return Client.GetConversionAsync(Id, cancellationToken);
        }

        protected override Response<AssetConversion> Wait(ConversionWaitOptions options, CancellationToken cancellationToken)
        {
            return Completed(Client.WaitForConversion(Id, options, cancellationToken));
        }

        protected override async Task<Response<AssetConversion>> WaitAsync(ConversionWaitOptions options, CancellationToken cancellationToken)
        {
            return Completed(await Client.WaitForConversionAsync(Id, options, cancellationToken).ConfigureAwait(false));
        }

        protected override ConversionWaitOptions PollingEvery(TimeSpan pollingInterval)
        {
            return new ConversionWaitOptions { PollInterval = pollingInterval };
        }
    }
}
