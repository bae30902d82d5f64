using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>The Unity package folder is well formed.</summary>
    internal static class PackageTests
    {
        private static readonly string[] PluginBinaries =
        {
            "Runtime/Plugins/Linux/x86_64/libarr_session.so", "Runtime/Plugins/Windows/x86_64/arr_session.dll",
            "Runtime/Plugins/Windows/ARM64/arr_session.dll", "Runtime/Plugins/macOS/libarr_session.dylib",
            "Runtime/Plugins/Android/arm64-v8a/libarr_session.so", "Runtime/Plugins/WSA/ARM64/arr_session.dll",
            "Runtime/Plugins/iOS/libarr_session.a",
        };

        internal static string PackageDir
        {
            get
            {
                string dir = Environment.GetEnvironmentVariable("ARR_CSHARP_PACKAGE_DIR");
                Assert.True(!string.IsNullOrEmpty(dir) && Directory.Exists(dir), "ARR_CSHARP_PACKAGE_DIR names the package");
                return dir;
            }
        }

        private static string Relative(string path)
        {
            return path.Substring(PackageDir.Length + 1).Replace('\\', '/');
        }

        [Test]
        public static void Every_file_and_folder_has_a_meta_with_a_unique_guid()
        {
            string root = PackageDir;
            var entries = Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
                .Where(p => !p.EndsWith(".meta", StringComparison.Ordinal) && !Path.GetFileName(p).StartsWith(".", StringComparison.Ordinal))
                .ToList();
            Assert.True(entries.Count > 20, "the package has its files");
            foreach (string entry in entries)
            {
                Assert.True(File.Exists(entry + ".meta"), "missing " + Relative(entry) + ".meta");
            }
            var guids = new Dictionary<string, string>();
            var guidLine = new Regex(@"^guid: ([0-9a-f]{32})\s*$", RegexOptions.Multiline);
            foreach (string meta in Directory.GetFiles(root, "*.meta", SearchOption.AllDirectories))
            {
                string text = File.ReadAllText(meta);
                string name = Relative(meta);
                Assert.True(text.StartsWith("fileFormatVersion: 2\n", StringComparison.Ordinal), name + ": fileFormatVersion 2 first");
                Match m = guidLine.Match(text);
                Assert.True(m.Success, name + ": a 32-hex guid");
                string other;
                Assert.True(!guids.TryGetValue(m.Groups[1].Value, out other), name + ": guid also used by " + other);
                guids[m.Groups[1].Value] = name;
                string asset = meta.Substring(0, meta.Length - ".meta".Length);
                bool exists = File.Exists(asset) || Directory.Exists(asset);
                Assert.True(exists || PluginBinaries.Contains(Relative(asset)), name + ": a .meta without its asset");
                if (Directory.Exists(asset))
                {
                    Assert.True(text.Contains("folderAsset: yes"), name + ": folder meta");
                }
            }
        }

        [Test]
        public static void Package_json_and_asmdefs_are_valid()
        {
            JsonObject package = Json.ParseObject(File.ReadAllText(Path.Combine(PackageDir, "package.json")));
            Assert.True(Regex.IsMatch(package.GetString("name") ?? "", @"^com(\.[a-z0-9-]+){2,}$"), "reverse-domain lower-case name");
            Assert.True(Regex.IsMatch(package.GetString("version") ?? "", @"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"), "semver version");
            Assert.True(Regex.IsMatch(package.GetString("unity") ?? "", @"^\d{4}\.\d+$"), "unity version");
            Assert.True(!string.IsNullOrEmpty(package.GetString("displayName")) && !string.IsNullOrEmpty(package.GetString("description")),
                "display name and description");

            JsonObject runtime = Json.ParseObject(File.ReadAllText(Path.Combine(PackageDir, "Runtime/ArrSession.Runtime.asmdef")));
            Assert.Equal("ArrSession.Runtime", runtime.GetString("name"), "runtime asmdef");
            Assert.Equal(true, runtime.Get("noEngineReferences"), "the core assembly needs no UnityEngine");
            JsonObject unity = Json.ParseObject(File.ReadAllText(Path.Combine(PackageDir, "Runtime/Unity/ArrSession.Unity.asmdef")));
            Assert.Equal("ArrSession.Unity", unity.GetString("name"), "unity asmdef");
            Assert.True(unity.GetArray("references").Contains("ArrSession.Runtime"), "the Unity part references the core");
            JsonObject editor = Json.ParseObject(File.ReadAllText(Path.Combine(PackageDir, "Editor/ArrSession.Editor.asmdef")));
            Assert.Equal("ArrSession.Editor", editor.GetString("name"), "editor asmdef");
            Assert.True(editor.GetArray("references").Contains("ArrSession.Runtime"), "the editor part references the core");
            Assert.True(editor.GetArray("includePlatforms").Count == 1 && editor.GetArray("includePlatforms").Contains("Editor"),
                "the editor part is built for the editor only");
        }

        [Test]
        public static void The_core_assembly_has_no_unity_dependency_and_plugins_target_their_platforms()
        {
            foreach (string cs in Directory.GetFiles(Path.Combine(PackageDir, "Runtime"), "*.cs"))
            {
                Assert.True(!File.ReadAllText(cs).Contains("UnityEngine"), Path.GetFileName(cs) + " uses UnityEngine");
            }
            var expected = new Dictionary<string, string>
            {
                { "Runtime/Plugins/Linux/x86_64/libarr_session.so", "Standalone: Linux64" },
                { "Runtime/Plugins/Windows/x86_64/arr_session.dll", "Standalone: Win64" },
                { "Runtime/Plugins/Windows/ARM64/arr_session.dll", "Standalone: Win64" },
                { "Runtime/Plugins/macOS/libarr_session.dylib", "Standalone: OSXUniversal" },
                { "Runtime/Plugins/Android/arm64-v8a/libarr_session.so", "Android: Android" },
                { "Runtime/Plugins/WSA/ARM64/arr_session.dll", "Windows Store Apps: WindowsStoreApps" },
                { "Runtime/Plugins/iOS/libarr_session.a", "iPhone: iOS" },
            };
            foreach (KeyValuePair<string, string> plugin in expected)
            {
                string text = File.ReadAllText(Path.Combine(PackageDir, plugin.Key + ".meta"));
                Assert.True(text.Contains("PluginImporter:"), plugin.Key + ": a plug-in importer");
                int at = text.IndexOf(plugin.Value, StringComparison.Ordinal);
                Assert.True(at > 0 && text.IndexOf("enabled: 1", at, StringComparison.Ordinal) > at, plugin.Key + ": enabled for " + plugin.Value);
            }
        }
    }
}
