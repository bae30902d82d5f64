using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>The .nupkg that tools/pack-nuget.sh builds (run-tests.sh builds it first, from the suite's library).</summary>
    internal static class NuGetTests
    {
        private const string Nuspec = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";

        private static string NupkgPath
        {
            get
            {
                string path = Environment.GetEnvironmentVariable("ARR_CSHARP_NUPKG");
                Assert.True(!string.IsNullOrEmpty(path) && File.Exists(path), "ARR_CSHARP_NUPKG names the built package");
                return path;
            }
        }

        [Test]
        public static void The_nupkg_has_the_nuget_layout()
        {
            Dictionary<string, byte[]> entries = Zip.Read(NupkgPath);
            string[] required =
            {
                "ArrSession.Client.nuspec", "README.md", "[Content_Types].xml", "_rels/.rels",
                "lib/netstandard2.0/ArrSession.Runtime.dll", "lib/netstandard2.0/ArrSession.Runtime.xml",
                "runtimes/linux-x64/native/libarr_session.so",
            };
            foreach (string name in required)
            {
                Assert.True(entries.ContainsKey(name), "the package has " + name + " (it has: " + string.Join(", ", entries.Keys) + ")");
            }
            foreach (string name in entries.Keys)
            {
                Assert.True(!name.Contains("\\") && !name.StartsWith("/", StringComparison.Ordinal) && !name.StartsWith("./", StringComparison.Ordinal),
                    "a plain relative entry name: " + name);
                Assert.True(required.Contains(name) || name.StartsWith("runtimes/", StringComparison.Ordinal), "nothing else: " + name);
            }
            Assert.Equal(1, entries.Keys.Count(k => k.EndsWith(".nuspec", StringComparison.Ordinal)), "one nuspec, at the root");
            Assert.True(Encoding.UTF8.GetString(entries["_rels/.rels"]).Contains("Target=\"/ArrSession.Client.nuspec\""), "the relationship names the nuspec");
            Assert.Equal(0x7F, entries["runtimes/linux-x64/native/libarr_session.so"][0], "an ELF library");
            Assert.True(Path.GetFileName(NupkgPath).StartsWith("ArrSession.Client." + Version() + ".", StringComparison.Ordinal), "file named id.version");
        }

        [Test]
        public static void The_nuspec_has_id_version_license_readme_and_repository()
        {
            var doc = new XmlDocument();
            doc.LoadXml(Encoding.UTF8.GetString(Zip.Read(NupkgPath)["ArrSession.Client.nuspec"]).TrimStart('\uFEFF'));
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("n", Nuspec);
            Func<string, string> text = path =>
            {
                XmlNode node = doc.SelectSingleNode("/n:package/n:metadata/" + path, ns);
                return node == null ? null : (node is XmlAttribute ? node.Value : node.InnerText);
            };
            Assert.Equal("ArrSession.Client", text("n:id"), "id");
            Assert.Equal(Version(), text("n:version"), "version as in package.json");
            Assert.True(!string.IsNullOrEmpty(text("n:authors")) && !string.IsNullOrEmpty(text("n:description")), "authors and description");
            Assert.Equal("expression", text("n:license/@type"), "license by SPDX expression");
            Assert.Equal("MIT", text("n:license"), "MIT, as the crate");
            Assert.Equal("README.md", text("n:readme"), "the readme is packed");
            Assert.Equal("git", text("n:repository/@type"), "a git repository");
            string commit = text("n:repository/@commit");
            Assert.True(commit == null || Regex.IsMatch(commit, "^[0-9a-f]{40}$"), "the commit it was built from: " + commit);
            Assert.Equal(".NETStandard2.0", text("n:dependencies/n:group/@targetFramework"), "no dependencies for .NET Standard 2.0");
        }

        [Test]
        public static void The_packed_assembly_loads_under_mono_with_the_packed_native_library()
        {
            // Unpack lib/ and runtimes/ into a fresh folder and run this runner from there, without the
            // suite's library path: the binding and the native library must come from the package.
            Dictionary<string, byte[]> entries = Zip.Read(NupkgPath);
            string dir = Path.Combine(Path.GetTempPath(), "arr-nupkg-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                File.WriteAllBytes(Path.Combine(dir, "ArrSession.Runtime.dll"), entries["lib/netstandard2.0/ArrSession.Runtime.dll"]);
                File.WriteAllBytes(Path.Combine(dir, "libarr_session.so"), entries["runtimes/linux-x64/native/libarr_session.so"]);
                string runner = typeof(NuGetTests).Assembly.Location;
                File.Copy(runner, Path.Combine(dir, Path.GetFileName(runner)));
                var info = new ProcessStartInfo("mono", "\"" + Path.Combine(dir, Path.GetFileName(runner)) + "\" --nupkg-smoke")
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    WorkingDirectory = dir,
                };
                info.EnvironmentVariables.Remove("LD_LIBRARY_PATH");
                using (Process process = Process.Start(info))
                {
                    string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                    Assert.True(process.WaitForExit(30000), "the smoke run finished");
                    Assert.Equal(0, process.ExitCode, "exit code; output:\n" + output);
                    Assert.True(output.Contains("assembly " + Path.Combine(dir, "ArrSession.Runtime.dll")), "the packed assembly was loaded:\n" + output);
                    Assert.True(output.Contains("native " + ArrRuntime.NativeVersion), "the packed native library answered:\n" + output);
                    Assert.True(output.Contains("version " + Version()), "the assembly carries the package version:\n" + output);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        /// <summary>What the runner does with --nupkg-smoke: load the binding and call into the native library.</summary>
        internal static int Smoke()
        {
            var assembly = typeof(RemoteRenderingClient).Assembly;
            Console.WriteLine("assembly " + assembly.Location);
            var informational = (System.Reflection.AssemblyInformationalVersionAttribute)Attribute.GetCustomAttribute(
                assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute));
            Console.WriteLine("version " + (informational == null ? "none" : informational.InformationalVersion));
            Console.WriteLine("native " + ArrRuntime.NativeVersion);
            return 0;
        }

        private static string Version()
        {
            JsonObject package = Json.ParseObject(File.ReadAllText(Path.Combine(PackageTests.PackageDir, "package.json")));
            return package.GetString("version");
        }
    }

    /// <summary>Reads a zip's entries (stored or deflated) by its central directory: enough to check a .nupkg.</summary>
    internal static class Zip
    {
        internal static Dictionary<string, byte[]> Read(string path)
        {
            byte[] zip = File.ReadAllBytes(path);
            int end = -1;
            for (int i = zip.Length - 22; i >= Math.Max(0, zip.Length - 22 - 65535); i--)
            {
                if (U32(zip, i) == 0x06054b50)
                {
                    end = i;
                    break;
                }
            }
            Assert.True(end >= 0, "a zip end-of-central-directory record");
            int count = U16(zip, end + 10);
            int at = (int)U32(zip, end + 16);
            var entries = new Dictionary<string, byte[]>();
            for (int n = 0; n < count; n++)
            {
                Assert.Equal(0x02014b50u, U32(zip, at), "a central directory entry");
                int method = U16(zip, at + 10);
                int compressed = (int)U32(zip, at + 20);
                int size = (int)U32(zip, at + 24);
                int nameLength = U16(zip, at + 28);
                int extra = U16(zip, at + 30);
                int comment = U16(zip, at + 32);
                int local = (int)U32(zip, at + 42);
                string name = Encoding.UTF8.GetString(zip, at + 46, nameLength);
                at += 46 + nameLength + extra + comment;
                if (name.EndsWith("/", StringComparison.Ordinal))
                {
                    continue;
                }
                Assert.Equal(0x04034b50u, U32(zip, local), name + ": a local header");
                int data = local + 30 + U16(zip, local + 26) + U16(zip, local + 28);
                byte[] content;
                if (method == 0)
                {
                    content = new byte[size];
                    Array.Copy(zip, data, content, 0, size);
                }
                else
                {
                    Assert.Equal(8, method, name + ": stored or deflated");
                    using (var input = new DeflateStream(new MemoryStream(zip, data, compressed), CompressionMode.Decompress))
                    using (var output = new MemoryStream())
                    {
                        input.CopyTo(output);
                        content = output.ToArray();
                    }
                }
                Assert.Equal(size, content.Length, name + ": size");
                entries[name] = content;
            }
            return entries;
        }

        private static int U16(byte[] b, int i)
        {
            return b[i] | (b[i + 1] << 8);
        }

        private static uint U32(byte[] b, int i)
        {
            return (uint)(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
        }
    }
}
