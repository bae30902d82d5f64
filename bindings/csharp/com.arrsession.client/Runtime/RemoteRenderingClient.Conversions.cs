using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Azure;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>Asset conversions, with the names of Microsoft's .NET SDK (api-version 2021-01-01 only).</summary>
    public partial class RemoteRenderingClient
    {
        // ---- Start ----

        /// <summary>
        /// Starts converting a model into an <c>.arrAsset</c> and returns at once with the conversion
        /// NotStarted; wait with <see cref="AssetConversionOperation.WaitForCompletion(CancellationToken)"/>.
        /// Retrying with the same id and options finds the conversion instead of starting a second. The SAS
        /// values of <paramref name="options"/> are sent, and never logged or returned.
        /// </summary>
        public virtual AssetConversionOperation StartConversion(
            string conversionId, AssetConversionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] settings = SettingsJson(options);
            return NativeCall.Block(Handle, (text, raw) => new AssetConversionOperation(this, AssetConversion.Parse(text), raw), cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_conversion_async(c, id, settings, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="StartConversion(string, AssetConversionOptions, CancellationToken)"/>.</summary>
        public virtual Task<AssetConversionOperation> StartConversionAsync(
            string conversionId, AssetConversionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] settings = SettingsJson(options);
            return NativeCall.Start(Handle, (text, raw) => new AssetConversionOperation(this, AssetConversion.Parse(text), raw), cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_conversion_async(c, id, settings, cb, ud, out op));
        }

        /// <summary>
        /// Starts a conversion whose id is <see cref="AssetConversionOptions.ConversionId"/> (the native ARR
        /// SDK's shape); a null or empty id becomes a new GUID, which the operation's <c>Id</c> gives.
        /// </summary>
        public virtual AssetConversionOperation StartConversion(
            AssetConversionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartConversion(IdOf(options), options, cancellationToken);
        }

        /// <summary>The async form of <see cref="StartConversion(AssetConversionOptions, CancellationToken)"/>.</summary>
        public virtual Task<AssetConversionOperation> StartConversionAsync(
            AssetConversionOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartConversionAsync(IdOf(options), options, cancellationToken);
        }

        // ---- Get ----

        /// <summary>The conversion's current state (404 <see cref="RequestFailedException"/> if the service does not know it).</summary>
        public virtual Response<AssetConversion> GetConversion(string conversionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            return NativeCall.Block(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_conversion_async(c, id, cb, ud, out op));
        }

        public virtual Task<Response<AssetConversion>> GetConversionAsync(string conversionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            return NativeCall.Start(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_get_conversion_async(c, id, cb, ud, out op));
        }

        // ---- List ----

        /// <summary>Every conversion of the account, in every state (all pages).</summary>
        public virtual Pageable<AssetConversion> GetConversions(CancellationToken cancellationToken = default(CancellationToken))
        {
            return NativeCall.Block(Handle, ParseConversions, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_conversions_async(c, cb, ud, out op));
        }

        /// <summary>
        /// The async form of <see cref="GetConversions"/>: <c>await foreach</c> it (C# 8+), or <c>await</c>
        /// it for the whole list (C# 7). The request starts at once.
        /// </summary>
        public virtual AsyncPageable<AssetConversion> GetConversionsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return new AsyncPageable<AssetConversion>(NativeCall.Start(Handle, ParseConversions, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_conversions_async(c, cb, ud, out op)));
        }

        /// <summary>
        /// <see cref="GetConversionsAsync"/> under the name Microsoft's SDK shipped it with (a typo there), so
        /// code written against that SDK compiles unchanged.
        /// </summary>
        public virtual AsyncPageable<AssetConversion> GetConversionsAync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return GetConversionsAsync(cancellationToken);
        }

        // ---- Wait (ours; the operation's waits use it) ----

        /// <summary>
        /// Waits until the conversion is Succeeded, Failed or Cancelled and returns it in that state (a failed
        /// conversion is an answer, with <see cref="AssetConversion.Error"/>). Throws
        /// <see cref="RemoteRenderingException"/> with <see cref="ArrStatus.Timeout"/> when
        /// <see cref="ConversionWaitOptions.Timeout"/> runs out; cancelling or disposing ends the wait with
        /// <see cref="OperationCanceledException"/>. Ending a wait never cancels the conversion.
        /// </summary>
        public virtual Response<AssetConversion> WaitForConversion(
            string conversionId, ConversionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] wait = Utf8.ToNative(ConversionWaitOptions.ToJson(options), "options");
            return NativeCall.Block(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_for_conversion_async(c, id, wait, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="WaitForConversion"/>.</summary>
        public virtual Task<Response<AssetConversion>> WaitForConversionAsync(
            string conversionId, ConversionWaitOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] id = Utf8.ToNative(conversionId, "conversionId");
            byte[] wait = Utf8.ToNative(ConversionWaitOptions.ToJson(options), "options");
            return NativeCall.Start(Handle, ParseConversion, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_wait_for_conversion_async(c, id, wait, cb, ud, out op));
        }

        private static string IdOf(AssetConversionOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            return string.IsNullOrEmpty(options.ConversionId) ? Guid.NewGuid().ToString() : options.ConversionId;
        }

        private static byte[] SettingsJson(AssetConversionOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException("options");
            }
            // The message of a refused string names the parameter only, never its value (the SAS).
            return Utf8.ToNative(options.ToSettingsJson(), "options");
        }

        internal static Response<AssetConversion> ParseConversion(string json, Response raw)
        {
            return new Response<AssetConversion>(AssetConversion.Parse(json), raw);
        }

        private static Pageable<AssetConversion> ParseConversions(string json)
        {
            return new Pageable<AssetConversion>(AssetConversion.ParseList(json));
        }
    }
}
