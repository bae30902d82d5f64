using System;
using System.Diagnostics;
using System.IO;

namespace ArrSession.Tests
{
    internal static class ExampleTests
    {
        [Test]
        public static void The_session_lifecycle_example_runs_against_the_emulator()
        {
            string exe = Environment.GetEnvironmentVariable("ARR_CSHARP_EXAMPLE_EXE");
            Assert.True(!string.IsNullOrEmpty(exe) && File.Exists(exe), "ARR_CSHARP_EXAMPLE_EXE names the built example");
            var info = new ProcessStartInfo("mono", "\"" + exe + "\" " + Fixture.Fast.BaseUrl)
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
                // (Mono adopts them as foreground threads; the binding marks them background).
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), "the process exited promptly, not after " + watch.Elapsed);
                Assert.Equal(0, process.ExitCode, "exit code; output:\n" + output + stderr);
                foreach (string expected in new[] { "started ", "ready at ", "lease now 45 minutes", "listed ", ": Stopped" })
                {
                    Assert.True(output.Contains(expected), "the output has '" + expected + "':\n" + output);
                }
            }
        }
    }
}
