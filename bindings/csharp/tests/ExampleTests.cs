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
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), "the process exited promptly, not after " + watch.Elapsed);
                Assert.Equal(0, process.ExitCode, "exit code; output:\n" + output + stderr);
                return output;
            }
        }

        [Test]
        public static void The_session_lifecycle_example_runs_against_the_emulator()
        {
            string output = RunExample("ARR_CSHARP_EXAMPLE_EXE", Fixture.Fast.BaseUrl);
            foreach (string expected in new[] { "started ", "ready at ", "lease now 45 minutes", "listed ", ": Stopped" })
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
            string source = File.ReadAllText(Path.Combine(Path.Combine(RepositoryRoot(), "examples"), Path.Combine("csharp", "AzureSdkReadmeSample.cs")));
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
