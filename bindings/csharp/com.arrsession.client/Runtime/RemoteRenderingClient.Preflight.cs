using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>Conversions that fail early and explain themselves: the input linted before, the result files read after.</summary>
    public partial class RemoteRenderingClient
    {
        /// <summary>
        /// Checks a conversion before it is started (nothing is sent to the service): its SAS tokens, and,
        /// listing the input container under the prefix (with the input SAS, or a short one signed from
        /// <see cref="InputLintOptions.StorageAccountKey"/>), the model, its settings files, the files it
        /// refers to, names the service mishandles and what will be downloaded. Problems are
        /// <see cref="InputLint.Findings"/>, errors first.
        /// </summary>
        public virtual InputLint LintConversionInput(
            AssetConversionOptions options, InputLintOptions lintOptions = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] settings = SettingsJson(options);
            byte[] lint = Utf8.ToNative(InputLintOptions.ToJson(lintOptions), "options");
            return NativeCall.Block(Handle, InputLint.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_lint_conversion_input_async(c, settings, lint, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="LintConversionInput"/>.</summary>
        public virtual Task<InputLint> LintConversionInputAsync(
            AssetConversionOptions options, InputLintOptions lintOptions = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] settings = SettingsJson(options);
            byte[] lint = Utf8.ToNative(InputLintOptions.ToJson(lintOptions), "options");
            return NativeCall.Start(Handle, InputLint.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_lint_conversion_input_async(c, settings, lint, cb, ud, out op));
        }

        /// <summary>
        /// The conversion, with <see cref="AssetConversion.Results"/> read from its output container once it
        /// has ended: the result file's outcome and messages (code, title, details) and the info file's
        /// statistics. Needs <see cref="ConversionResultsOptions.OutputSas"/> with read, or the storage key.
        /// </summary>
        public virtual Response<AssetConversion> GetConversionResults(
            string conversionId, ConversionResultsOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] access = Utf8.ToNative(ConversionResultsOptions.ToJson(options), "options");
            return NativeCall.Block(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_conversion_results_async(c, id, access, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="GetConversionResults"/>.</summary>
        public virtual Task<Response<AssetConversion>> GetConversionResultsAsync(
            string conversionId, ConversionResultsOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] access = Utf8.ToNative(ConversionResultsOptions.ToJson(options), "options");
            return NativeCall.Start(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_conversion_results_async(c, id, access, cb, ud, out op));
        }
    }
}
