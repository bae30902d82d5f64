using System;
using System.Collections.Generic;
using System.Globalization;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// One problem found before the service would find it: <see cref="Severity"/> (<c>error</c>,
    /// <c>warning</c>, <c>info</c>), a stable <see cref="Rule"/> id (e.g. <c>enum</c>,
    /// <c>reference-absolute</c>), the <see cref="File"/> (a local path, a blob name or a settings field),
    /// the JSON Pointer <see cref="Path"/> inside it (empty for the whole file), and a <see cref="Message"/>.
    /// </summary>
    public sealed class PreflightFinding
    {
        public string Severity { get; private set; }
        public string Rule { get; private set; }
        public string File { get; private set; }
        public string Path { get; private set; }
        public string Message { get; private set; }

        /// <summary>Whether the conversion would fail, or lose something (e.g. a texture).</summary>
        public bool IsError
        {
            get { return Severity == "error"; }
        }

        public override string ToString()
        {
            string where = string.IsNullOrEmpty(Path) ? File : File + " " + Path;
            return Severity.PadRight(7) + " " + where + " [" + Rule + "]: " + Message;
        }

        internal static IReadOnlyList<PreflightFinding> ListFrom(List<object> items)
        {
            var list = new List<PreflightFinding>();
            foreach (object item in items ?? new List<object>())
            {
                var obj = item as JsonObject;
                if (obj == null)
                {
                    continue;
                }
                list.Add(new PreflightFinding
                {
                    Severity = obj.GetString("severity") ?? string.Empty,
                    Rule = obj.GetString("rule") ?? string.Empty,
                    File = obj.GetString("file") ?? string.Empty,
                    Path = obj.GetString("path") ?? string.Empty,
                    Message = obj.GetString("message") ?? string.Empty,
                });
            }
            return list;
        }
    }

    /// <summary>What <see cref="RemoteRenderingClient.LintConversionInput"/> found (errors first), and what the service will download.</summary>
    public sealed class InputLint
    {
        public IReadOnlyList<PreflightFinding> Findings { get; private set; }

        /// <summary>The model's blob name in the input container (prefix + relative path).</summary>
        public string InputBlob { get; private set; }

        /// <summary>The model's size, when it was found.</summary>
        public long? InputSize { get; private set; }

        /// <summary>Whether the input container could be listed (false without a SAS or key, or when refused).</summary>
        public bool Listed { get; private set; }

        /// <summary>Blobs under the prefix: everything the service copies before converting.</summary>
        public long BlobCount { get; private set; }

        public long TotalBytes { get; private set; }

        /// <summary>The settings files found beside the model and checked.</summary>
        public IReadOnlyList<string> SettingsFiles { get; private set; }

        public bool HasErrors
        {
            get
            {
                foreach (PreflightFinding finding in Findings)
                {
                    if (finding.IsError)
                    {
                        return true;
                    }
                }
                return false;
            }
        }

        internal static InputLint Parse(string text)
        {
            JsonObject json = Json.ParseObject(text);
            double? size = json.GetDouble("inputSize");
            var files = new List<string>();
            foreach (object file in json.GetArray("settingsFiles") ?? new List<object>())
            {
                files.Add(Convert.ToString(file, CultureInfo.InvariantCulture));
            }
            return new InputLint
            {
                Findings = PreflightFinding.ListFrom(json.GetArray("findings")),
                InputBlob = json.GetString("inputBlob"),
                InputSize = size.HasValue ? (long?)(long)size.Value : null,
                Listed = json.Get("listed") is bool && (bool)json.Get("listed"),
                BlobCount = (long)(json.GetDouble("blobCount") ?? 0),
                TotalBytes = (long)(json.GetDouble("totalBytes") ?? 0),
                SettingsFiles = files,
            };
        }
    }

    /// <summary>
    /// One entry of the service's result file: <see cref="Kind"/> (<c>error</c>, <c>internal error</c>,
    /// <c>warning</c>, <c>internal warning</c>), its <see cref="Code"/> and <see cref="Title"/>, and
    /// <see cref="Details"/> as written (a dictionary, list, string, number, bool, or null).
    /// </summary>
    public sealed class ConversionResultMessage
    {
        public string Kind { get; private set; }
        public string Code { get; private set; }
        public string Title { get; private set; }
        public object Details { get; private set; }

        public bool IsError
        {
            get { return Kind != null && Kind.EndsWith("error", StringComparison.Ordinal); }
        }

        public override string ToString()
        {
            return Kind + " " + Code + ": " + Title;
        }

        internal static ConversionResultMessage FromJson(JsonObject json)
        {
            return new ConversionResultMessage
            {
                Kind = json.GetString("kind") ?? string.Empty,
                Code = json.GetString("code") ?? string.Empty,
                Title = json.GetString("title") ?? string.Empty,
                Details = json.Get("details"),
            };
        }
    }

    /// <summary>
    /// What the service wrote about a conversion in its output container: the result file's
    /// <see cref="Outcome"/> (<c>succeeded</c>, <c>failed</c>, <c>succeeded with warnings</c>) and
    /// <see cref="Messages"/>, and the info file (<see cref="Info"/>, its statistics as written).
    /// <see cref="ResultFile"/> is null when the service wrote none.
    /// </summary>
    public sealed class ConversionResults
    {
        public string ResultFile { get; private set; }
        public string Outcome { get; private set; }
        public IReadOnlyList<ConversionResultMessage> Messages { get; private set; }
        public string InternalConversionId { get; private set; }
        public string InfoFile { get; private set; }
        public IReadOnlyDictionary<string, object> Info { get; private set; }
        public IReadOnlyList<string> LookedFor { get; private set; }

        /// <summary>The error (the service writes at most one), or null.</summary>
        public ConversionResultMessage Error
        {
            get
            {
                foreach (ConversionResultMessage message in Messages)
                {
                    if (message.IsError)
                    {
                        return message;
                    }
                }
                return null;
            }
        }

        internal static ConversionResults FromJson(JsonObject json)
        {
            if (json == null)
            {
                return null;
            }
            var messages = new List<ConversionResultMessage>();
            foreach (object item in json.GetArray("messages") ?? new List<object>())
            {
                var obj = item as JsonObject;
                if (obj != null)
                {
                    messages.Add(ConversionResultMessage.FromJson(obj));
                }
            }
            var lookedFor = new List<string>();
            foreach (object name in json.GetArray("lookedFor") ?? new List<object>())
            {
                lookedFor.Add(Convert.ToString(name, CultureInfo.InvariantCulture));
            }
            return new ConversionResults
            {
                ResultFile = json.GetString("resultFile"),
                Outcome = json.GetString("outcome"),
                Messages = messages,
                InternalConversionId = json.GetString("internalConversionId"),
                InfoFile = json.GetString("infoFile"),
                Info = json.GetObject("info"),
                LookedFor = lookedFor,
            };
        }
    }

    /// <summary>Which side of a conversion a SAS is for; each gets only the permissions the service needs.</summary>
    public enum SasPurpose
    {
        /// <summary>The input container: read and list (<c>sp=rl</c>).</summary>
        Input,

        /// <summary>The output container: write for the service, read for the result files (<c>sp=rw</c>).</summary>
        Output,
    }

    /// <summary>How <see cref="RemoteRenderingClient.LintConversionInput"/> reaches the input when the options carry no SAS.</summary>
    public sealed class InputLintOptions
    {
        /// <summary>The storage account key: signs a short-lived read+list SAS to look with. Never logged.</summary>
        public string StorageAccountKey { get; set; }

        /// <summary>The storage account's name, when the container URL does not show it.</summary>
        public string StorageAccountName { get; set; }

        /// <summary>How much of a model is read to find the files it refers to (the library's default when null: 16 MiB).</summary>
        public long? ScanBytes { get; set; }

        internal static string ToJson(InputLintOptions options)
        {
            if (options == null)
            {
                return null;
            }
            return new JsonWriter()
                .Add("storageAccountKey", options.StorageAccountKey)
                .Add("storageAccountName", options.StorageAccountName)
                .Add("scanBytes", options.ScanBytes)
                .ToString();
        }
    }

    /// <summary>How <see cref="RemoteRenderingClient.GetConversionResults"/> reads the output container: the output SAS (it needs read, <c>r</c>) or the storage account key.</summary>
    public sealed class ConversionResultsOptions
    {
        /// <summary>The output container's SAS (the service does not give it back, so it is passed again). A secret.</summary>
        public string OutputSas { get; set; }

        /// <summary>The storage account key, used when there is no SAS. Never logged.</summary>
        public string StorageAccountKey { get; set; }

        /// <summary>The storage account's name, when the container URL does not show it.</summary>
        public string StorageAccountName { get; set; }

        internal static string ToJson(ConversionResultsOptions options)
        {
            if (options == null)
            {
                return null;
            }
            return new JsonWriter()
                .Add("outputSas", options.OutputSas)
                .Add("storageAccountKey", options.StorageAccountKey)
                .Add("storageAccountName", options.StorageAccountName)
                .ToString();
        }
    }

    /// <summary>Checks and helpers that need no client: settings files against the service's rules, and SAS signing.</summary>
    public static class ConversionPreflight
    {
        /// <summary>
        /// Checks a <c>&lt;model&gt;.ConversionSettings.json</c>, <c>conversionSettings.json</c> or
        /// <c>&lt;model&gt;.MaterialOverrides.json</c> against the service's published rules, locally.
        /// <paramref name="fileName"/> decides the kind and names the file in the findings;
        /// <paramref name="inputAsset"/> (the model's name) enables the point-cloud rules. An empty list
        /// means the file is fine.
        /// </summary>
        public static IReadOnlyList<PreflightFinding> CheckSettings(string fileName, string text, string inputAsset = null)
        {
            byte[] name = Utf8.ToNative(fileName, "fileName");
            byte[] body = Utf8.ToNative(text, "text");
            byte[] asset = Utf8.ToNative(inputAsset, "inputAsset");
            IntPtr json;
            uint status = NativeMethods.arr_conversion_check_settings(name, body, asset, out json);
            if (status != (uint)ArrStatus.Ok)
            {
                throw ErrorMapper.FromLastError(status);
            }
            return PreflightFinding.ListFrom(Json.ParseArray(Utf8.TakeOwned(json)));
        }

        /// <summary>
        /// Signs a container SAS from a storage account key with the least permissions a conversion needs
        /// (<see cref="SasPurpose"/>), valid for <paramref name="validFor"/> (a day when null). Returns
        /// <c>?sv=...&amp;sig=...</c>: a secret, never log it.
        /// </summary>
        public static string SignContainerSas(
            Uri containerUri, string accountKey, SasPurpose purpose, string permissions = null, TimeSpan? validFor = null,
            string accountName = null)
        {
            if (containerUri == null)
            {
                throw new ArgumentNullException("containerUri");
            }
            byte[] uri = Utf8.ToNative(containerUri.OriginalString, "containerUri");
            byte[] key = Utf8.ToNative(accountKey, "accountKey");
            long? seconds = validFor.HasValue ? (long?)(long)validFor.Value.TotalSeconds : null;
            string options = new JsonWriter()
                .Add("purpose", purpose == SasPurpose.Input ? "input" : "output")
                .Add("permissions", permissions)
                .Add("validForSeconds", seconds)
                .Add("accountName", accountName)
                .ToString();
            IntPtr sas;
            uint status = NativeMethods.arr_storage_sign_container_sas(uri, key, Utf8.ToNative(options, "options"), out sas);
            if (status != (uint)ArrStatus.Ok)
            {
                throw ErrorMapper.FromLastError(status);
            }
            return Utf8.TakeOwned(sas);
        }
    }
}
