using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ArrSession;

namespace ArrSession.Tests
{
    /// <summary>Library-wide behaviour: versions, logging, token providers, shutdown.</summary>
    internal static class RuntimeTests
    {
        [Test]
        public static void The_abi_version_matches_and_the_version_is_known()
        {
            ArrRuntime.EnsureLoaded();
            Assert.Equal(1, ArrRuntime.ExpectedAbiVersion, "ABI version");
            Assert.True(!string.IsNullOrEmpty(ArrRuntime.NativeVersion) && ArrRuntime.NativeVersion.Contains("."), "version " + ArrRuntime.NativeVersion);
        }

        [Test]
        public static void Logs_reach_the_sink_with_ms_cv_and_without_secrets()
        {
            var lines = new List<string>();
            ArrLog.SetSink((level, target, message) =>
            {
                lock (lines)
                {
                    lines.Add(level + " " + target + " " + message);
                }
                throw new InvalidOperationException("a failing sink must not hurt the library");
            }, ArrLogLevel.Trace);
            try
            {
                using (RemoteRenderingClient client = Fixture.Fast.Client())
                {
                    client.GetSessions();
                    Assert.Throws<RemoteRenderingException>(() => client.GetSession("missing-for-logs"), "404");
                }
            }
            finally
            {
                ArrLog.SetSink((IArrLogSink)null, ArrLogLevel.Off);
            }
            string all;
            lock (lines)
            {
                all = string.Join("\n", lines.ToArray());
            }
            Assert.True(lines.Count > 0, "some lines were logged");
            Assert.True(all.IndexOf("missing-for-logs", StringComparison.Ordinal) >= 0, "the request is logged:\n" + all);
            Assert.True(all.IndexOf("ms_cv", StringComparison.OrdinalIgnoreCase) >= 0 || all.IndexOf("ms-cv", StringComparison.OrdinalIgnoreCase) >= 0,
                "MS-CV is logged:\n" + all);
            Assert.True(all.IndexOf(Emulator.AccountKey, StringComparison.Ordinal) < 0, "the account key is never logged");
        }

        [Test]
        public static async Task A_token_provider_supplies_access_tokens()
        {
            Emulator emulator = Fixture.Fast;
            string token;
            using (RemoteRenderingClient keyed = emulator.Client())
            {
                token = keyed.GetAccessToken();
            }
            RemoteRenderingClientOptions options = emulator.Options(RemoteRenderingServiceVersion.V2021_01_01);
            options.AccountKey = null;
            int asked = 0;
            using (var client = new RemoteRenderingClient(options, RemoteRenderingTokenKind.AccessToken, async () =>
            {
                System.Threading.Interlocked.Increment(ref asked);
                await Task.Delay(10);
                return token;
            }))
            {
                Assert.True((await client.GetSessionsAsync()) != null, "list with a provided token");
                Assert.True(client.GetSessions() != null, "blocking list with a provided token");
                Assert.True(asked >= 1, "the provider was asked");
            }
            using (var failing = new RemoteRenderingClient(options, RemoteRenderingTokenKind.AccessToken,
                () => { throw new InvalidOperationException("no token today"); }))
            {
                var e = await Assert.ThrowsAsync<RemoteRenderingException>(() => failing.GetSessionsAsync(), "failing provider");
                Assert.Equal(ArrStatus.Unauthorized, e.Status, "unauthorized");
                Assert.True(e.Message.Contains("no token today"), "the provider's message: " + e.Message);
            }
        }

        [Test]
        public static void Shutdown_stops_started_sessions_cancels_work_and_new_clients_work()
        {
            Emulator slow = Fixture.Slow;
            RemoteRenderingClient keep = slow.Client();
            RemoteRenderingClient stop = slow.Client();
            keep.StopSessionsOnShutdown = false;
            string kept = keep.StartSession(Fixture.NewId("kept"), Fixture.Standard()).SessionId;
            string stopped = stop.StartSession(Fixture.NewId("stopped"), Fixture.Standard()).SessionId;
            Task<RenderingSession> pending = keep.WaitForSessionReadyAsync(kept);

            ArrRuntime.Shutdown(stopSessions: true);
            Assert.True(pending.IsCanceled, "work in flight is cancelled");
            Assert.Equal(ArrStatus.Shutdown, Assert.Throws<RemoteRenderingException>(() => keep.GetSession(kept), "old client").Status, "shut down");
            Assert.Equal(ArrStatus.Shutdown, Assert.Throws<RemoteRenderingException>(() => keep.GetSessionAsync(kept), "old client async").Status, "shut down async");
            keep.Dispose();
            stop.Dispose();
            ArrRuntime.Shutdown(stopSessions: false);

            using (RemoteRenderingClient fresh = slow.Client())
            {
                Assert.Equal(RenderingSessionStatus.Stopped, fresh.GetSession(stopped).Status, "the started session was stopped");
                Assert.Equal(RenderingSessionStatus.Starting, fresh.GetSession(kept).Status, "the opted-out one was not");
                fresh.StopSession(kept);
            }
        }
    }
}
