using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Every operation, in both API versions, blocking and async, against the emulator.</summary>
    internal static class OperationTests
    {
        private static readonly SessionWaitOptions QuickWait = new SessionWaitOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(50),
            Timeout = TimeSpan.FromSeconds(30),
        };

        [Test]
        public static void Lifecycle_blocking_2021_01_01()
        {
            LifecycleBlocking(RemoteRenderingServiceVersion.V2021_01_01);
        }

        [Test]
        public static void Lifecycle_blocking_v1()
        {
            LifecycleBlocking(RemoteRenderingServiceVersion.V1);
        }

        [Test]
        public static Task Lifecycle_async_2021_01_01()
        {
            return LifecycleAsync(RemoteRenderingServiceVersion.V2021_01_01);
        }

        [Test]
        public static Task Lifecycle_async_v1()
        {
            return LifecycleAsync(RemoteRenderingServiceVersion.V1);
        }

        private static string IdFor(RemoteRenderingServiceVersion version, string prefix)
        {
            // The v1 API picks session ids itself.
            return version == RemoteRenderingServiceVersion.V1 ? null : Fixture.NewId(prefix);
        }

        private static void LifecycleBlocking(RemoteRenderingServiceVersion version)
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client(version))
            {
                string wanted = IdFor(version, "sync");
                StartRenderingSessionOperation op = client.StartSession(wanted, Fixture.Standard(30));
                string id = op.Id;
                CheckStarted(op, wanted);
                Assert.True(client.GetOwnedSessionIds().Contains(id), "the client tracks the session it started");

                RenderingSession ready = op.WaitForCompletion(QuickWait);
                CheckReady(op, ready);
                Assert.Equal(RenderingSessionStatus.Ready, client.GetSession(id).Value.Status, "get");
                Assert.Equal(200, op.UpdateStatus().Status, "update status");
                Assert.Equal(RenderingSessionStatus.Ready, op.Value.Status, "status after update");
                Assert.Equal(RenderingSessionStatus.Ready, client.WaitForSessionReady(id, QuickWait).Value.Status, "wait again");

                Assert.Equal(TimeSpan.FromMinutes(60), client.UpdateSession(id, new UpdateSessionOptions(TimeSpan.FromMinutes(60))).Value.MaxLeaseTime, "update lease");
                Assert.Equal(TimeSpan.FromMinutes(75), client.ExtendSession(id, TimeSpan.FromMinutes(15)).Value.MaxLeaseTime, "extend lease");
                Assert.True(client.GetSessions().Any(s => s.SessionId == id), "list has the session");

                CheckWaitResults(client.WaitForSessions(new[] { id, "no-such-session" }, QuickWait), id);
                Assert.True(!string.IsNullOrEmpty(client.GetAccessToken()), "access token");

                client.StopSession(id);
                Assert.Equal(RenderingSessionStatus.Stopped, client.GetSession(id).Value.Status, "stopped");
                Assert.True(!client.GetSessions().Any(s => s.SessionId == id), "list no longer has it");
                Assert.True(!client.GetOwnedSessionIds().Contains(id), "no longer tracked");
                client.StopSession(id);
            }
        }

        private static async Task LifecycleAsync(RemoteRenderingServiceVersion version)
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client(version))
            {
                string wanted = IdFor(version, "async");
                StartRenderingSessionOperation op = await client.StartSessionAsync(wanted, Fixture.Standard(30));
                string id = op.Id;
                CheckStarted(op, wanted);

                RenderingSession ready = await op.WaitForCompletionAsync(QuickWait, default(System.Threading.CancellationToken));
                CheckReady(op, ready);
                Assert.Equal(RenderingSessionStatus.Ready, (await client.GetSessionAsync(id)).Value.Status, "get");
                Assert.Equal(200, (await op.UpdateStatusAsync()).Status, "update status");
                Assert.Equal(RenderingSessionStatus.Ready, op.Value.Status, "status after update");
                Assert.Equal(RenderingSessionStatus.Ready, (await op.WaitForCompletionAsync()).Value.Status, "wait with defaults");

                Assert.Equal(TimeSpan.FromMinutes(60), (await client.UpdateSessionAsync(id, new UpdateSessionOptions(TimeSpan.FromMinutes(60)))).Value.MaxLeaseTime, "update lease");
                Assert.Equal(TimeSpan.FromMinutes(75), (await client.ExtendSessionAsync(id, TimeSpan.FromMinutes(15))).Value.MaxLeaseTime, "extend lease");
                Assert.True((await client.GetSessionsAsync()).Any(s => s.SessionId == id), "list has the session");

                CheckWaitResults(await client.WaitForSessionsAsync(new[] { id, "no-such-session" }, QuickWait), id);
                Assert.True(!string.IsNullOrEmpty(await client.GetAccessTokenAsync()), "access token");

                await client.StopSessionAsync(id);
                Assert.Equal(RenderingSessionStatus.Stopped, (await client.GetSessionAsync(id)).Value.Status, "stopped");
                Assert.True(!(await client.GetSessionsAsync()).Any(s => s.SessionId == id), "list no longer has it");
                Assert.True(!client.GetOwnedSessionIds().Contains(id), "no longer tracked");
                await client.StopSessionAsync(id);
            }
        }

        private static void CheckStarted(StartRenderingSessionOperation op, string wanted)
        {
            Assert.True(!string.IsNullOrEmpty(op.Id), "a session id");
            if (wanted != null)
            {
                Assert.Equal(wanted, op.Id, "the id asked for");
            }
            Assert.Equal(RenderingSessionStatus.Starting, op.LastSession.Status, "status after start");
            Assert.Equal(RenderingServerSize.Standard, op.LastSession.Size, "size");
            Assert.True(!op.HasCompleted, "not completed yet");
            Assert.True(op.HasValue && ReferenceEquals(op.LastSession, op.Value), "the created session is the Value from the start (as Microsoft's)");
        }

        private static void CheckReady(StartRenderingSessionOperation op, RenderingSession ready)
        {
            Assert.Equal(RenderingSessionStatus.Ready, ready.Status, "status after wait");
            Assert.True(op.HasCompleted && op.HasValue, "operation completed");
            Assert.Equal(op.Id, op.Value.SessionId, "value");
            Assert.True(!string.IsNullOrEmpty(ready.Host), "a ready session has a hostname");
            Assert.True(ready.HandshakePort.HasValue, "and a handshake port");
            Assert.Equal(TimeSpan.FromMinutes(30), ready.MaxLeaseTime, "lease");
        }

        private static void CheckWaitResults(IReadOnlyList<SessionResult> results, string id)
        {
            Assert.Equal(2, results.Count, "one result per id");
            Assert.Equal(id, results[0].SessionId, "order kept");
            Assert.Equal(ArrStatus.Ok, results[0].Status, "ready session");
            Assert.Equal(RenderingSessionStatus.Ready, results[0].Session.Status, "with the session");
            Assert.Equal(ArrStatus.NotFound, results[1].Status, "missing session");
            var error = results[1].Error as RemoteRenderingException;
            Assert.True(error != null && error.ArrStatus == ArrStatus.NotFound, "with a NotFound error");
        }
    }
}
