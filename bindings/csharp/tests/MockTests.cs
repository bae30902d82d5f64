using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Apps can mock the client: virtual members, protected constructors, factory helpers.</summary>
    internal static class MockTests
    {
        private sealed class FakeSession : RenderingSession
        {
            internal FakeSession(string id, RenderingSessionStatus status)
            {
                SessionId = id;
                Status = status;
                Size = RenderingServerSize.Standard;
                Host = "fake.host";
                MaxLeaseTime = TimeSpan.FromMinutes(30);
            }
        }

        private sealed class FakeClient : RemoteRenderingClient
        {
            internal int Stops;

            public override Response<RenderingSession> GetSession(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
            {
                return Response<RenderingSession>.FromValue(new FakeSession(sessionId, RenderingSessionStatus.Ready), null);
            }

            public override Task<Response> StopSessionAsync(string sessionId, CancellationToken cancellationToken = default(CancellationToken))
            {
                Stops++;
                return Task.FromResult<Response>(null);
            }

            public override AsyncPageable<RenderingSession> GetSessionsAsync(CancellationToken cancellationToken = default(CancellationToken))
            {
                return AsyncPageable<RenderingSession>.FromValues(new RenderingSession[] { new FakeSession("a", "Starting") });
            }
        }

        /// <summary>App code that only knows the real type.</summary>
        private static async Task<string> AppLogic(RemoteRenderingClient client, string id)
        {
            RenderingSession session = client.GetSession(id);
            Pageable<RenderingSession> all = await client.GetSessionsAsync();
            await client.StopSessionAsync(id);
            return session.Host + "/" + all.Count + "/" + all[0].Status;
        }

        [Test]
        public static async Task A_subclass_replaces_the_client_in_app_code()
        {
            var fake = new FakeClient();
            Assert.Equal("fake.host/1/Starting", await AppLogic(fake, "x"), "the fake answered");
            Assert.Equal(1, fake.Stops, "the stop was seen");
            Assert.Throws<NotSupportedException>(() => fake.GetSessions(), "members not overridden say so");
            fake.Dispose();
        }

        [Test]
        public static void Status_and_size_compare_like_open_strings()
        {
            Assert.True(RenderingSessionStatus.Ready == "Ready" && RenderingSessionStatus.Ready == "ready", "case-insensitive, from strings");
            Assert.True(RenderingSessionStatus.Ready != RenderingSessionStatus.Starting, "different values");
            RenderingServerSize tiny = "Tiny";
            Assert.Equal("Tiny", tiny.ToString(), "unknown values survive");
            Assert.True(default(RenderingSessionStatus) != RenderingSessionStatus.Ready, "an unknown status is not Ready");
        }
    }
}
