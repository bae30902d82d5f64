using System;
using System.Diagnostics;
using System.IO;

namespace ArrSession.Tests
{
    internal static class ExampleTests
    {
        /// <summary>Runs a built example under mono; returns its standard output after checking it exited 0, promptly.</summary>
        internal static string RunExample(string variable, string arguments)
        {
            return RunExample(variable, arguments, TimeSpan.FromSeconds(8));
        }

        /// <summary>As above; <paramref name="bound"/> is how long the process may take in all.</summary>
        internal static string RunExample(string variable, string arguments, TimeSpan bound)
        {
            string exe = Environment.GetEnvironmentVariable(variable);
            Assert.True(!string.IsNullOrEmpty(exe) && File.Exists(exe), variable + " names the built example");
            var info = new ProcessStartInfo("mono", "\"" + exe + "\" " + arguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var watch = Stopwatch.StartNew();
            using (Process process = Process.Start(info))
            {
                string stderr = null;
                process.ErrorDataReceived += (s, e) => { if (e.Data != null) { stderr += e.Data + "\n"; } };
                process.BeginErrorReadLine();
                string output = process.StandardOutput.ReadToEnd();
                Assert.True(process.WaitForExit(60000), "the example finished");
                // The library's threads that called back into managed code must not keep the process alive
                // (the binding shuts the library down at process exit).
                Assert.True(watch.Elapsed < bound, "the process exited promptly, not after " + watch.Elapsed);
                Assert.Equal(0, process.ExitCode, "exit code; output:\n" + output + stderr);
                return output;
            }
        }

        [Test]
        public static void The_session_lifecycle_example_runs_against_the_emulator()
        {
            string output = RunExample("ARR_CSHARP_EXAMPLE_EXE", Fixture.Fast.BaseUrl);
            foreach (string expected in new[] { "started ", "ready at ", "lease now 45 minutes", "keeping ", "keeper stopped", "listed ", ": Stopped" })
            {
                Assert.True(output.Contains(expected), "the output has '" + expected + "':\n" + output);
            }
        }

        [Test]
        public static void A_sample_written_against_Microsofts_sdk_runs_with_only_its_using_lines_changed()
        {
            // examples/csharp/AzureSdkReadmeSample.cs: start, wait, get, update, list, stop, sync and async.
            Emulator emulator = Fixture.Fast;
            string output = RunExample("ARR_CSHARP_SAMPLE_EXE",
                emulator.BaseUrl + " " + Emulator.AccountId + " mixedreality.azure.com " + Emulator.AccountKey + " " + emulator.BaseUrl);
            foreach (string expected in new[]
            {
                "is ready at ", "extended to 60 minutes", "\" is ready at host ", "is Stopped.",
                "Async session ", " is Ready (HTTP 200)", "Async lease is 20 minutes", "Unknown sessions answer HTTP 404.",
            })
            {
                Assert.True(output.Contains(expected), "the output has '" + expected + "':\n" + output);
            }
            OnlySystemAndArrSessionUsings("AzureSdkReadmeSample.cs");
        }

        [Test]
        public static void The_conversion_part_of_Microsofts_readme_runs_with_only_its_using_lines_changed()
        {
            // examples/csharp/AzureSdkConversionSample.cs: simple and prefixed conversions, wait, a failed
            // one, list, async. Its waits poll every 10 s as Microsoft's; the fast emulator has usually
            // finished a conversion by the first poll, but one more poll may be needed (hence the bound).
            Emulator emulator = Fixture.Conversions;
            string output = RunExample("ARR_CSHARP_CONVERSION_SAMPLE_EXE",
                emulator.BaseUrl + " " + Emulator.AccountId + " mixedreality.azure.com " + Emulator.AccountKey + " " + emulator.BaseUrl
                + " https://contosostorage01.blob.core.windows.net/arrinput https://contosostorage01.blob.core.windows.net/arroutput",
                TimeSpan.FromSeconds(60));
            foreach (string expected in new[]
            {
                " started.",
                "Conversion succeeded: Output written to https://contosostorage01.blob.core.windows.net/arrinput/box.arrAsset",
                "Bicycle conversion Succeeded: https://contosostorage01.blob.core.windows.net/arroutput/ConvertedBicycle/bicycle.arrAsset",
                "Conversion failed: InputContainerError ",
                "output asset URI: https://contosostorage01.blob.core.windows.net/arrinput/box.arrAsset",
                "Async conversion ", " is Succeeded: https://contosostorage01.blob.core.windows.net/arrinput/asyncBox.arrAsset",
                "Async get: Succeeded", "Unknown conversions answer HTTP 404.",
            })
            {
                Assert.True(output.Contains(expected), "the output has '" + expected + "':\n" + output);
            }
            OnlySystemAndArrSessionUsings("AzureSdkConversionSample.cs");
        }

        private static void OnlySystemAndArrSessionUsings(string sample)
        {
            string source = File.ReadAllText(Path.Combine(Path.Combine(RepositoryRoot(), "examples"), Path.Combine("csharp", sample)));
            foreach (string line in source.Split('\n'))
            {
                if (line.StartsWith("using ", StringComparison.Ordinal))
                {
                    Assert.True(line.StartsWith("using System", StringComparison.Ordinal) || line.StartsWith("using ArrSession", StringComparison.Ordinal),
                        "only System and ArrSession using lines: " + line);
                }
            }
        }

        internal static string RepositoryRoot()
        {
            string dir = Path.GetDirectoryName(PackageTests.PackageDir.TrimEnd('/'));
            return Path.GetDirectoryName(Path.GetDirectoryName(dir));
        }
    }
}
