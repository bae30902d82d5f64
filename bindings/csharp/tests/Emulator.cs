using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using ArrSession;
using ArrSession.Azure;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>An arr-emulator process on 127.0.0.1, port 0; it exits when our end of its stdin closes.</summary>
    internal sealed class Emulator : IDisposable
    {
        internal const string AccountId = "11111111-1111-1111-1111-111111111111";
        internal const string AccountKey = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==";

        private readonly Process _process;

        internal Emulator(params string[] extraArgs)
        {
            var info = new ProcessStartInfo(FindBinary(),
                "--listen 127.0.0.1:0 --exit-on-stdin-eof --quiet " + string.Join(" ", extraArgs))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = false,
            };
            _process = Process.Start(info);
            string line = _process.StandardOutput.ReadLine();
            if (string.IsNullOrEmpty(line) || !line.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
            {
                Dispose();
                throw new InvalidOperationException("the emulator printed no base URL (got '" + line + "')");
            }
            BaseUrl = line.Trim().TrimEnd('/');
        }

        internal string BaseUrl { get; private set; }

        internal Uri Endpoint
        {
            get { return new Uri(BaseUrl); }
        }

        /// <summary>Options for this emulator: it serves the STS on the same base URL.</summary>
        internal RemoteRenderingClientOptions Options(RemoteRenderingServiceVersion version = RemoteRenderingServiceVersion.V2021_01_01)
        {
            return new RemoteRenderingClientOptions(version) { AuthenticationEndpoint = Endpoint };
        }

        internal RemoteRenderingClient Client(RemoteRenderingServiceVersion version = RemoteRenderingServiceVersion.V2021_01_01)
        {
            return Client(Options(version));
        }

        internal RemoteRenderingClient Client(RemoteRenderingClientOptions options)
        {
            return new RemoteRenderingClient(Endpoint, new Guid(AccountId), null, new AzureKeyCredential(AccountKey), options);
        }

        /// <summary>Requests the emulator has seen, by route name ("sessions.get", ...).</summary>
        internal int Count(string route)
        {
            JsonObject counts = Json.ParseObject(Http("GET", "/_emulator/counts", null));
            // Accept both {"route": n} and {"counts": {"route": n}}.
            JsonObject inner = counts.GetObject("counts") ?? counts;
            return inner.GetInt(route) ?? 0;
        }

        internal int TotalRequests()
        {
            JsonObject counts = Json.ParseObject(Http("GET", "/_emulator/counts", null));
            JsonObject inner = counts.GetObject("counts") ?? counts;
            int total = 0;
            foreach (object value in inner.Values)
            {
                if (value is double)
                {
                    total += (int)(double)value;
                }
            }
            return total;
        }

        /// <summary>Scripts a fault: kindJson e.g. {"kind":"status","status":503,"retryAfter":null}.</summary>
        internal void Fault(string route, string kindJson, int times)
        {
            Http("POST", "/_emulator/faults", "{\"route\":\"" + route + "\",\"kind\":" + kindJson + ",\"times\":" + times + "}");
        }

        /// <summary>The request log, one line per request: <c>"GET /accounts/.../sessions/ID 200 0ms ms-cv=..."</c>.</summary>
        internal List<string> Log()
        {
            var lines = new List<string>();
            foreach (object line in Json.ParseArray(Http("GET", "/_emulator/log", null)))
            {
                lines.Add((string)line);
            }
            return lines;
        }

        /// <summary>
        /// The MS-CV the emulator sent with its latest <paramref name="status"/> answer to a <paramref name="method"/>
        /// request whose path ends with <paramref name="pathEnd"/>; null if it logged none.
        /// </summary>
        internal string LoggedMsCv(string method, string pathEnd, int status)
        {
            string found = null;
            foreach (string line in Log())
            {
                string[] parts = line.Split(' ');
                if (parts.Length >= 5 && parts[0] == method && parts[1].Split('?')[0].EndsWith(pathEnd, StringComparison.Ordinal)
                    && parts[2] == status.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    && parts[parts.Length - 1].StartsWith("ms-cv=", StringComparison.Ordinal))
                {
                    found = parts[parts.Length - 1].Substring("ms-cv=".Length);
                }
            }
            return found;
        }

        /// <summary>The logged request line that carries <paramref name="msCv"/>; null if none.</summary>
        internal string LoggedLine(string msCv)
        {
            foreach (string line in Log())
            {
                if (line.EndsWith(" ms-cv=" + msCv, StringComparison.Ordinal))
                {
                    return line;
                }
            }
            return null;
        }

        internal string Sessions()
        {
            return Http("GET", "/_emulator/sessions", null);
        }

        internal void RevokeTokens()
        {
            Http("POST", "/_emulator/revoke-tokens", "{}");
        }

        /// <summary>
        /// A fresh access token from the emulator's STS, fetched without the library (for token providers
        /// that must work while the library shuts down).
        /// </summary>
        internal string StsToken()
        {
            string json = Http("GET", "/Accounts/" + AccountId + "/token", null, "Bearer " + AccountId + ":" + AccountKey);
            return Json.ParseObject(json).GetString("AccessToken");
        }

        /// <summary>One HTTP/1.0 exchange over a plain socket (mono's HttpWebRequest proved flaky here).</summary>
        internal string Http(string method, string path, string body, string authorization = null)
        {
            var uri = new Uri(BaseUrl);
            byte[] payload = Encoding.UTF8.GetBytes(body ?? string.Empty);
            string head = method + " " + path + " HTTP/1.0\r\nHost: " + uri.Authority + "\r\n"
                + (authorization != null ? "Authorization: " + authorization + "\r\n" : string.Empty)
                + (body != null ? "Content-Type: application/json\r\n" : string.Empty)
                + "Content-Length: " + payload.Length + "\r\n\r\n";
            using (var tcp = new TcpClient())
            {
                tcp.Connect(uri.Host, uri.Port);
                tcp.ReceiveTimeout = 10000;
                NetworkStream stream = tcp.GetStream();
                byte[] headBytes = Encoding.ASCII.GetBytes(head);
                stream.Write(headBytes, 0, headBytes.Length);
                stream.Write(payload, 0, payload.Length);
                var response = new MemoryStream();
                stream.CopyTo(response);
                string text = Encoding.UTF8.GetString(response.ToArray());
                int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                string statusLine = text.Substring(0, text.IndexOf("\r\n", StringComparison.Ordinal));
                if (statusLine.Split(' ')[1][0] != '2')
                {
                    throw new InvalidOperationException(method + " " + path + ": " + statusLine);
                }
                return split < 0 ? string.Empty : text.Substring(split + 4);
            }
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill();
                }
            }
            catch (Exception)
            {
                // Already gone.
            }
            _process.Dispose();
        }

        private static string FindBinary()
        {
            string fromEnv = Environment.GetEnvironmentVariable("ARR_EMULATOR");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }
            string dir = AppDomain.CurrentDomain.BaseDirectory;
            for (int i = 0; i < 8 && dir != null; i++)
            {
                string candidate = Path.Combine(Path.Combine(Path.Combine(dir, "target"), "debug"), "arr-emulator");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
                dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar));
            }
            throw new FileNotFoundException("arr-emulator not found: set ARR_EMULATOR or run `cargo build -p arr-emulator`");
        }
    }
}
