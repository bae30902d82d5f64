using System;
using System.Collections.Generic;
using System.Globalization;
using ArrSession.Internal;

namespace ArrSession
{
    /// <summary>
    /// The status of an asset conversion (an open string set, as in Microsoft's SDK): NotStarted and
    /// Running, then one of the terminal Succeeded, Failed or Cancelled. Converts from a string implicitly.
    /// </summary>
    public struct AssetConversionStatus : IEquatable<AssetConversionStatus>
    {
        private readonly string _value;

        public AssetConversionStatus(string value)
        {
            if (value == null)
            {
                throw new ArgumentNullException("value");
            }
            _value = value;
        }

        public static AssetConversionStatus NotStarted { get { return new AssetConversionStatus("NotStarted"); } }
        public static AssetConversionStatus Running { get { return new AssetConversionStatus("Running"); } }
        public static AssetConversionStatus Cancelled { get { return new AssetConversionStatus("Cancelled"); } }
        public static AssetConversionStatus Failed { get { return new AssetConversionStatus("Failed"); } }
        public static AssetConversionStatus Succeeded { get { return new AssetConversionStatus("Succeeded"); } }

        public static bool operator ==(AssetConversionStatus left, AssetConversionStatus right)
        {
            return left.Equals(right);
        }

        public static bool operator !=(AssetConversionStatus left, AssetConversionStatus right)
        {
            return !left.Equals(right);
        }

        public static implicit operator AssetConversionStatus(string value)
        {
            return new AssetConversionStatus(value);
        }

        public bool Equals(AssetConversionStatus other)
        {
            return string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);
        }

        public override bool Equals(object obj)
        {
            return obj is AssetConversionStatus && Equals((AssetConversionStatus)obj);
        }

        public override int GetHashCode()
        {
            return _value == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);
        }

        public override string ToString()
        {
            return _value;
        }

        /// <summary>Succeeded, Failed or Cancelled: the conversion will not change any more.</summary>
        internal bool IsTerminal
        {
            get { return this == Succeeded || this == Failed || this == Cancelled; }
        }
    }

    /// <summary>
    /// Where the model to convert is (Microsoft's <c>AssetConversionInputOptions</c>; the REST
    /// <c>inputLocation</c>). <see cref="StorageContainerReadListSas"/> is a secret: it is sent, never
    /// shown by <see cref="ToString"/> and never in the service's answers (so null in
    /// <see cref="AssetConversion.Options"/>).
    /// </summary>
    public class AssetConversionInputOptions
    {
        /// <param name="storageContainerUri">The blob container, e.g. <c>https://account.blob.core.windows.net/input</c>.</param>
        /// <param name="relativeInputAssetPath">The model, relative to <see cref="BlobPrefix"/> (or the container), e.g. <c>house.fbx</c>.</param>
        public AssetConversionInputOptions(Uri storageContainerUri, string relativeInputAssetPath)
        {
            if (storageContainerUri == null)
            {
                throw new ArgumentNullException("storageContainerUri");
            }
            if (relativeInputAssetPath == null)
            {
                throw new ArgumentNullException("relativeInputAssetPath");
            }
            StorageContainerUri = storageContainerUri;
            RelativeInputAssetPath = relativeInputAssetPath;
        }

        public Uri StorageContainerUri { get; private set; }

        public string RelativeInputAssetPath { get; private set; }

        /// <summary>Only blobs under this prefix are downloaded for the conversion (e.g. <c>models/</c>).</summary>
        public string BlobPrefix { get; set; }

        /// <summary>
        /// A container SAS with read and list rights (<c>?sv=...</c>); not needed when the storage account is
        /// linked to the Remote Rendering account. A secret: never logged or shown.
        /// </summary>
        public string StorageContainerReadListSas { get; set; }

        public override string ToString()
        {
            return "AssetConversionInputOptions(" + StorageContainerUri.OriginalString + ", " + (BlobPrefix ?? string.Empty)
                + RelativeInputAssetPath + (StorageContainerReadListSas != null ? ", SAS: (set)" : string.Empty) + ")";
        }

        internal JsonWriter ToJson()
        {
            return new JsonWriter()
                .Add("storageContainerUri", StorageContainerUri.OriginalString)
                .Add("storageContainerReadListSas", StorageContainerReadListSas)
                .Add("blobPrefix", BlobPrefix)
                .Add("relativeInputAssetPath", RelativeInputAssetPath);
        }

        internal static AssetConversionInputOptions FromJson(JsonObject json)
        {
            if (json == null)
            {
                return null;
            }
            return new AssetConversionInputOptions(UriFrom(json.GetString("storageContainerUri")), json.GetString("relativeInputAssetPath") ?? string.Empty)
            {
                BlobPrefix = json.GetString("blobPrefix"),
                StorageContainerReadListSas = json.GetString("storageContainerReadListSas"),
            };
        }

        internal static Uri UriFrom(string text)
        {
            Uri uri;
            return text != null && Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out uri) ? uri : new Uri(string.Empty, UriKind.Relative);
        }
    }

    /// <summary>
    /// Where the converted asset goes (Microsoft's <c>AssetConversionOutputOptions</c>; the REST
    /// <c>outputLocation</c>). <see cref="StorageContainerWriteSas"/> is a secret, as the input's SAS.
    /// </summary>
    public class AssetConversionOutputOptions
    {
        /// <param name="storageContainerUri">The blob container to write to.</param>
        public AssetConversionOutputOptions(Uri storageContainerUri)
        {
            if (storageContainerUri == null)
            {
                throw new ArgumentNullException("storageContainerUri");
            }
            StorageContainerUri = storageContainerUri;
        }

        public Uri StorageContainerUri { get; private set; }

        /// <summary>A virtual folder for every output file (the service appends a <c>/</c>).</summary>
        public string BlobPrefix { get; set; }

        /// <summary>The asset's file name, ending in <c>.arrAsset</c> (default: the input's name with that extension).</summary>
        public string OutputAssetFilename { get; set; }

        /// <summary>
        /// A container SAS with write rights; not needed when the storage account is linked. A secret: never
        /// logged or shown.
        /// </summary>
        public string StorageContainerWriteSas { get; set; }

        public override string ToString()
        {
            return "AssetConversionOutputOptions(" + StorageContainerUri.OriginalString + ", " + (BlobPrefix ?? string.Empty)
                + (OutputAssetFilename ?? string.Empty) + (StorageContainerWriteSas != null ? ", SAS: (set)" : string.Empty) + ")";
        }

        internal JsonWriter ToJson()
        {
            return new JsonWriter()
                .Add("storageContainerUri", StorageContainerUri.OriginalString)
                .Add("storageContainerWriteSas", StorageContainerWriteSas)
                .Add("blobPrefix", BlobPrefix)
                .Add("outputAssetFilename", OutputAssetFilename);
        }

        internal static AssetConversionOutputOptions FromJson(JsonObject json)
        {
            if (json == null)
            {
                return null;
            }
            return new AssetConversionOutputOptions(AssetConversionInputOptions.UriFrom(json.GetString("storageContainerUri")))
            {
                BlobPrefix = json.GetString("blobPrefix"),
                OutputAssetFilename = json.GetString("outputAssetFilename"),
                StorageContainerWriteSas = json.GetString("storageContainerWriteSas"),
            };
        }
    }

    /// <summary>What to convert and where to put the result (Microsoft's <c>AssetConversionOptions</c>).</summary>
    public class AssetConversionOptions
    {
        /// <summary>Microsoft's .NET SDK's form: the conversion id is given to <see cref="RemoteRenderingClient.StartConversion(string, AssetConversionOptions, System.Threading.CancellationToken)"/>.</summary>
        public AssetConversionOptions(AssetConversionInputOptions inputOptions, AssetConversionOutputOptions outputOptions)
        {
            if (inputOptions == null)
            {
                throw new ArgumentNullException("inputOptions");
            }
            if (outputOptions == null)
            {
                throw new ArgumentNullException("outputOptions");
            }
            InputOptions = inputOptions;
            OutputOptions = outputOptions;
        }

        /// <summary>
        /// The native ARR SDK's form: the id travels in the options, for
        /// <see cref="RemoteRenderingClient.StartConversion(AssetConversionOptions, System.Threading.CancellationToken)"/>
        /// (null or empty: a new GUID).
        /// </summary>
        public AssetConversionOptions(string conversionId, AssetConversionInputOptions inputOptions, AssetConversionOutputOptions outputOptions)
            : this(inputOptions, outputOptions)
        {
            ConversionId = conversionId;
        }

        /// <summary>The conversion id for the one-argument start; null with Microsoft's two-argument constructor.</summary>
        public string ConversionId { get; set; }

        public AssetConversionInputOptions InputOptions { get; private set; }

        public AssetConversionOutputOptions OutputOptions { get; private set; }

        public override string ToString()
        {
            return "AssetConversionOptions(" + InputOptions + " -> " + OutputOptions + ")";
        }

        /// <summary>The REST <c>conversion_settings</c> (SAS included: for the library only).</summary>
        internal string ToSettingsJson()
        {
            return new JsonWriter()
                .AddRaw("inputLocation", InputOptions.ToJson().ToString())
                .AddRaw("outputLocation", OutputOptions.ToJson().ToString())
                .ToString();
        }

        internal static AssetConversionOptions FromJson(JsonObject json)
        {
            if (json == null)
            {
                return null;
            }
            AssetConversionInputOptions input = AssetConversionInputOptions.FromJson(json.GetObject("inputLocation"));
            AssetConversionOutputOptions output = AssetConversionOutputOptions.FromJson(json.GetObject("outputLocation"));
            if (input == null || output == null)
            {
                throw new FormatException("conversion settings without inputLocation or outputLocation");
            }
            return new AssetConversionOptions(input, output);
        }
    }

    /// <summary>The result of a successful conversion (Microsoft's <c>AssetConversionOutput</c>).</summary>
    public class AssetConversionOutput
    {
        /// <summary>For mocks and tests.</summary>
        protected AssetConversionOutput()
        {
        }

        /// <summary>The converted <c>.arrAsset</c>: container URI, blob prefix and file name (no SAS).</summary>
        public string OutputAssetUri { get; protected set; }

        public override string ToString()
        {
            return OutputAssetUri;
        }

        internal static AssetConversionOutput FromJson(JsonObject json)
        {
            return json == null ? null : new AssetConversionOutput { OutputAssetUri = json.GetString("outputAssetUri") };
        }
    }

    /// <summary>
    /// An asset conversion as the service last described it (Microsoft's <c>AssetConversion</c>). A
    /// failed conversion is a normal answer: <see cref="Status"/> Failed with <see cref="Error"/>.
    /// </summary>
    public class AssetConversion
    {
        /// <summary>For mocks and tests; the client creates conversions from the service's answers.</summary>
        protected AssetConversion()
        {
        }

        public string ConversionId { get; protected set; }

        /// <summary>The settings as the service normalised them (SAS values never come back: null here).</summary>
        public AssetConversionOptions Options { get; protected set; }

        /// <summary>Where the asset was written; set once <see cref="Status"/> is Succeeded.</summary>
        public AssetConversionOutput Output { get; protected set; }

        /// <summary>Why the conversion failed (status Failed).</summary>
        public RemoteRenderingServiceError Error { get; protected set; }

        /// <summary>Compare with <see cref="AssetConversionStatus.Succeeded"/> and the other known values.</summary>
        public AssetConversionStatus Status { get; protected set; }

        /// <summary>When the conversion was created.</summary>
        public DateTimeOffset CreatedOn { get; protected set; }

        /// <summary>
        /// What the service wrote about it in the output container (result and info files), when read with
        /// <see cref="RemoteRenderingClient.GetConversionResults"/>; null otherwise.
        /// </summary>
        public ConversionResults Results { get; protected set; }

        public override string ToString()
        {
            return "AssetConversion(" + ConversionId + ", " + Status + (Output != null ? ", " + Output.OutputAssetUri : string.Empty)
                + (Error != null ? ", " + Error : string.Empty) + ")";
        }

        internal static AssetConversion FromJson(JsonObject json)
        {
            JsonObject error = json.GetObject("error");
            string status = json.GetString("status");
            string created = json.GetString("creationTime");
            DateTimeOffset createdOn;
            if (created == null || !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out createdOn))
            {
                createdOn = default(DateTimeOffset);
            }
            return new AssetConversion
            {
                ConversionId = json.GetString("id"),
                Options = AssetConversionOptions.FromJson(json.GetObject("settings")),
                Output = AssetConversionOutput.FromJson(json.GetObject("output")),
                Error = error == null ? null : RemoteRenderingServiceError.FromJson(error),
                Status = status == null ? default(AssetConversionStatus) : new AssetConversionStatus(status),
                CreatedOn = createdOn,
                Results = ConversionResults.FromJson(json.GetObject("results")),
            };
        }

        internal static AssetConversion Parse(string text)
        {
            return FromJson(Json.ParseObject(text));
        }

        internal static IReadOnlyList<AssetConversion> ParseList(string text)
        {
            var result = new List<AssetConversion>();
            foreach (object item in Json.ParseArray(text))
            {
                var obj = item as JsonObject;
                if (obj == null)
                {
                    throw new FormatException("expected conversion objects in the list");
                }
                result.Add(FromJson(obj));
            }
            return result;
        }
    }

    /// <summary>How long to wait for a conversion to finish, and how often to look.</summary>
    public sealed class ConversionWaitOptions
    {
        /// <summary>Give up after this long (then <see cref="ArrStatus.Timeout"/>); null: no limit, as conversions can take hours.</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>Poll this often (the library's default when null: 10 s, as Microsoft's SDK).</summary>
        public TimeSpan? PollInterval { get; set; }

        internal static string ToJson(ConversionWaitOptions options)
        {
            if (options == null)
            {
                return null;
            }
            return new JsonWriter()
                .Add("timeoutMs", SessionWaitOptions.Millis(options.Timeout))
                .Add("pollIntervalMs", SessionWaitOptions.Millis(options.PollInterval))
                .ToString();
        }
    }
}
