using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Library-wide behaviour: versions, logging, token providers, shutdown.</summary>
    internal static class RuntimeTests
    {
        [Test]
        public static void The_abi_version_matches_and_the_version_is_known()
        {
            ArrRuntime.EnsureLoaded();
            Assert.Equal(2, ArrRuntime.ExpectedAbiVersion, "ABI version (ARR_ABI_VERSION of include/arr_session.h)");
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
                // Lines come from the library's log thread, possibly after the call returned.
                for (int i = 0; i < 100; i++)
                {
                    lock (lines)
                    {
                        if (lines.Exists(l => l.Contains("missing-for-logs")))
                        {
                            break;
                        }
                    }
                    System.Threading.Thread.Sleep(50);
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

        internal static RemoteRenderingClient ProviderClient(Emulator emulator, Func<Task<string>> provider, RemoteRenderingClientOptions options = null)
        {
            return new RemoteRenderingClient(emulator.Endpoint, new Guid(Emulator.AccountId), null,
                RemoteRenderingTokenKind.AccessToken, provider, options ?? emulator.Options());
        }

        internal static string TokenOf(Emulator emulator)
        {
            using (RemoteRenderingClient keyed = emulator.Client())
            {
                return keyed.GetAccessToken();
            }
        }

        [Test]
        public static async Task A_token_provider_supplies_access_tokens()
        {
            Emulator emulator = Fixture.Fast;
            string token = TokenOf(emulator);
            int asked = 0;
            using (RemoteRenderingClient client = ProviderClient(emulator, async () =>
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
            using (RemoteRenderingClient failing = ProviderClient(emulator, () => { throw new InvalidOperationException("no token today"); }))
            {
                var e = await Assert.ThrowsAsync<RemoteRenderingException>(() => failing.GetSessionsAsync().AsTask(), "failing provider");
                Assert.Equal(ArrStatus.Unauthorized, e.ArrStatus, "unauthorized");
                Assert.True(e.Message.Contains("no token today"), "the provider's message: " + e.Message);
            }
        }

        [Test]
        public static void Shutdown_closes_every_client_and_stops_the_sessions_of_those_configured_to()
        {
            Emulator slow = Fixture.Slow;
            RemoteRenderingClient keep = slow.Client();
            RemoteRenderingClientOptions stopOptions = slow.Options();
            stopOptions.StopOwnedSessionsOnClose = true;
            stopOptions.CloseTimeout = TimeSpan.FromSeconds(10);
            RemoteRenderingClient stop = slow.Client(stopOptions);
            string kept = keep.StartSession(Fixture.NewId("kept"), Fixture.Standard()).Id;
            string stopped = stop.StartSession(Fixture.NewId("stopped"), Fixture.Standard()).Id;
            var notOwned = Fixture.Standard();
            notOwned.Owned = false;
            string unowned = stop.StartSession(Fixture.NewId("unowned"), notOwned).Id;
            Task<Response<RenderingSession>> pending = keep.WaitForSessionReadyAsync(kept);

            ArrRuntime.Shutdown();
            Assert.True(pending.IsCanceled, "work in flight is cancelled");
            Assert.Equal(ArrStatus.Shutdown, Assert.Throws<RemoteRenderingException>(() => keep.GetSession(kept), "old client").ArrStatus, "shut down");
            Assert.Equal(ArrStatus.Shutdown, Assert.Throws<RemoteRenderingException>(() => keep.GetSessionAsync(kept), "old client async").ArrStatus, "shut down async");
            keep.Dispose();
            stop.Dispose();
            ArrRuntime.Shutdown();

            using (RemoteRenderingClient fresh = slow.Client())
            {
                Assert.Equal(RenderingSessionStatus.Stopped, fresh.GetSession(stopped).Value.Status, "the owned session of the stop-on-close client was stopped");
                Assert.Equal(RenderingSessionStatus.Starting, fresh.GetSession(unowned).Value.Status, "its session started with Owned = false was not");
                Assert.Equal(RenderingSessionStatus.Starting, fresh.GetSession(kept).Value.Status, "nor that of the other client");
                fresh.StopSession(kept);
                fresh.StopSession(unowned);
            }
        }
    }
}
