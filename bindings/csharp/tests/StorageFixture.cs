using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Text;
using ArrSession;
using ArrSession.Azure;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>
    /// The repository's <c>examples/storage_fixture</c> as a child process: Azurite (a real Azure Blob Storage
    /// emulator on loopback) with <c>models/vehicles/car.glb</c> uploaded, and an arr-emulator linked to it. It
    /// prints one JSON line (client config, conversion settings with SAS, the container URLs) and runs until
    /// our end of its stdin closes. A fixture that is not built, or fails to start (e.g. the storage emulator not
    /// installed), throws an <see cref="AssertionException"/> that says so: the test fails, it is not skipped.
    /// </summary>
    internal sealed class StorageFixture : IDisposable
    {
        private const string Build = "cargo build --example storage_fixture";
        private const string InstallAzurite = "npm install --prefix target/azurite azurite@3.37.0";

        private readonly Process _process;
        private readonly StringBuilder _stderr = new StringBuilder();
        private bool _closed;

        internal StorageFixture()
        {
            string binary = FindBinary();
            var info = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            _process = new Process { StartInfo = info };
            _process.ErrorDataReceived += (sender, e) =>
            {
                if (e.Data != null)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            };
            _process.Start();
            _process.BeginErrorReadLine();
            // Blocks until the fixture has brought up the storage emulator and arr-emulator, or has exited (null).
            string line = _process.StandardOutput.ReadLine();
            JsonObject document = null;
            try
            {
                document = string.IsNullOrEmpty(line) ? null : Json.ParseObject(line);
            }
            catch (FormatException)
            {
                document = null;
            }
            if (document == null || document.GetObject("config") == null || document.GetObject("settings") == null)
            {
                int? exitCode = Close();
                throw new AssertionException("the storage fixture (" + binary + ") did not start: it printed '" + line + "'"
                    + (exitCode.HasValue ? " and exited with " + exitCode.Value : string.Empty) + "; its stderr:\n" + Stderr
                    + "\n(Azurite missing? install it from the repository root with: " + InstallAzurite + ")");
            }
            // Drain anything else it prints, so a full pipe never blocks it.
            Process process = _process;
            var drain = new System.Threading.Thread(() =>
            {
                try
                {
                    process.StandardOutput.ReadToEnd();
                }
                catch (Exception)
                {
                    // Closed.
                }
            }) { IsBackground = true };
            drain.Start();
            Config = document.GetObject("config");
            Settings = document.GetObject("settings");
            InputContainer = document.GetString("inputContainer");
            OutputContainer = document.GetString("outputContainer");
            Failing = document.GetObject("failing");
        }

        /// <summary>The client config: endpoint, stsEndpoint, accountId, accountKey, pollIntervalMs.</summary>
        internal JsonObject Config { get; private set; }

        /// <summary>The conversion settings: inputLocation and outputLocation, each with its SAS.</summary>
        internal JsonObject Settings { get; private set; }

        /// <summary>
        /// A conversion the emulator fails (its input is missing): <c>settings</c>, <c>resultsOptions</c>
        /// (<c>outputSas</c>), and the <c>code</c> and <c>title</c> of its result file.
        /// </summary>
        internal JsonObject Failing { get; private set; }

        internal string InputContainer { get; private set; }

        internal string OutputContainer { get; private set; }

        internal string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        /// <summary>A client for the fixture's emulator (the dev account; the emulator also serves the STS).</summary>
        internal RemoteRenderingClient Client()
        {
            var options = new RemoteRenderingClientOptions(RemoteRenderingServiceVersion.V2021_01_01)
            {
                AuthenticationEndpoint = new Uri(Config.GetString("stsEndpoint")),
            };
            return new RemoteRenderingClient(new Uri(Config.GetString("endpoint")), new Guid(Config.GetString("accountId")), null,
                new AzureKeyCredential(Config.GetString("accountKey")), options);
        }

        /// <summary>
        /// The conversion settings in Microsoft's shape: containers, prefixes, the input path and both SAS
        /// values as the fixture gave them.
        /// </summary>
        internal AssetConversionOptions ConversionOptions(JsonObject settings = null)
        {
            JsonObject input = (settings ?? Settings).GetObject("inputLocation");
            JsonObject output = (settings ?? Settings).GetObject("outputLocation");
            var inputOptions = new AssetConversionInputOptions(new Uri(input.GetString("storageContainerUri")), input.GetString("relativeInputAssetPath"))
            {
                BlobPrefix = input.GetString("blobPrefix"),
                StorageContainerReadListSas = input.GetString("storageContainerReadListSas"),
            };
            var outputOptions = new AssetConversionOutputOptions(new Uri(output.GetString("storageContainerUri")))
            {
                BlobPrefix = output.GetString("blobPrefix"),
                OutputAssetFilename = output.GetString("outputAssetFilename"),
                StorageContainerWriteSas = output.GetString("storageContainerWriteSas"),
            };
            return new AssetConversionOptions(inputOptions, outputOptions);
        }

        /// <summary>
        /// A plain HTTP GET (the storage emulator on loopback, no proxy): the status and the body. A SAS starting with '?'
        /// or not is appended as the query.
        /// </summary>
        internal static HttpResult Get(string url, string sas)
        {
            string query = string.IsNullOrEmpty(sas) ? string.Empty : (sas[0] == '?' ? sas : "?" + sas);
            var uri = new Uri(url + query);
            if (!uri.IsLoopback)
            {
                throw new AssertionException("refusing to reach a non-loopback address: " + uri.Host);
            }
            var request = (HttpWebRequest)WebRequest.Create(uri);
            request.Method = "GET";
            request.Proxy = null;
            request.KeepAlive = false;
            request.Timeout = 30000;
            request.ReadWriteTimeout = 30000;
            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e)
            {
                response = e.Response as HttpWebResponse;
                if (response == null)
                {
                    throw;
                }
            }
            using (response)
            using (Stream body = response.GetResponseStream())
            using (var copy = new MemoryStream())
            {
                body.CopyTo(copy);
                return new HttpResult((int)response.StatusCode, copy.ToArray());
            }
        }

        /// <summary>Closes the fixture's stdin and waits for it to shut down; its exit code (null if killed).</summary>
        internal int? Close()
        {
            if (_closed)
            {
                return _process.HasExited ? _process.ExitCode : (int?)null;
            }
            _closed = true;
            try
            {
                _process.StandardInput.Close();
            }
            catch (Exception)
            {
                // It has exited already.
            }
            if (!_process.WaitForExit(60000))
            {
                _process.Kill();
                _process.WaitForExit();
                return null;
            }
            _process.WaitForExit(); // flushes the redirected stderr
            return _process.ExitCode;
        }

        public void Dispose()
        {
            try
            {
                Close();
            }
            catch (Exception)
            {
                // Already gone.
            }
            _process.Dispose();
        }

        private static string FindBinary()
        {
            if (Environment.GetEnvironmentVariable("ARR_STORAGE_FIXTURE_BUILD_FAILED") == "1")
            {
                throw new AssertionException("run-tests.sh could not build the storage fixture (`" + Build + "`: see its output above)");
            }
            string fromEnv = Environment.GetEnvironmentVariable("ARR_STORAGE_FIXTURE");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                if (!File.Exists(fromEnv))
                {
                    throw new AssertionException("the storage fixture $ARR_STORAGE_FIXTURE=" + fromEnv + " does not exist (build it: " + Build + ")");
                }
                return fromEnv;
            }
            string dir = AppDomain.CurrentDomain.BaseDirectory;
            for (int i = 0; i < 8 && dir != null; i++)
            {
                string candidate = Path.Combine(dir, "target", "debug", "examples", "storage_fixture");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
                dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar));
            }
            throw new AssertionException("the storage fixture is not built: run `" + Build + "` from the repository root (or set $ARR_STORAGE_FIXTURE)");
        }
    }

    internal sealed class HttpResult
    {
        internal HttpResult(int status, byte[] body)
        {
            Status = status;
            Body = body;
        }

        internal int Status { get; private set; }

        internal byte[] Body { get; private set; }
    }
}
