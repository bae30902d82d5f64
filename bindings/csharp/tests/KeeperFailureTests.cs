using System;
using System.Threading;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>
    /// A keeper's failures reach the host as the binding's usual exception: the event's error object goes
    /// through the one error mapper (<see cref="RemoteRenderingException"/>, a <see cref="RequestFailedException"/>,
    /// with the HTTP status, the service's code and the MS-CV the emulator sent), no message text read.
    /// </summary>
    internal static class KeeperFailureTests
    {
        private static RemoteRenderingException Failure(KeepSessionEventArgs e)
        {
            var error = e.Exception as RemoteRenderingException;
            Assert.True(error != null, e.Kind + " carries a RemoteRenderingException: " + e.Exception);
            return error;
        }

        [Test]
        public static void Refused_credentials_fail_the_keeper_with_401_and_its_MS_CV()
        {
            Emulator emulator = Fixture.Fast;
            string id = Fixture.NewId("refused");
            using (var client = new RemoteRenderingClient(emulator.Endpoint, new Guid(Emulator.AccountId), null,
                new AccessToken("not-a-token", DateTimeOffset.MaxValue), emulator.Options()))
            using (SessionKeeper keeper = client.KeepSession(id, KeeperTests.Fast()))
            {
                var recorder = new KeeperTests.Recorder(keeper);
                KeepSessionEventArgs failed = recorder.WaitFor(KeepSessionEventKind.Failed);
                RemoteRenderingException error = Failure(failed);
                Assert.Equal(ArrStatus.Unauthorized, error.ArrStatus, "status");
                Assert.Equal(401, error.Status, "HTTP status");
                Assert.Equal(null, error.ErrorCode, "a 401 has no body, so no code");
                Assert.Equal(emulator.LoggedMsCv("GET", "/sessions/" + id, 401), error.MsCv, "the MS-CV the emulator sent");
                Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(KeeperTests.Patience), "Completion ended");
                Assert.True(keeper.Completion.IsFaulted, "faulted: " + keeper.Completion.Status);
                KeeperTests.SameFailure(keeper.Completion.Exception.InnerException, failed);
            }
        }

        [Test]
        public static void Throttling_beyond_the_retry_policy_is_an_event_and_the_keeper_carries_on()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "0s"))
            {
                RemoteRenderingClientOptions options = emulator.Options();
                options.Retry.MaxRetries = 0;
                using (RemoteRenderingClient client = emulator.Client(options))
                {
                    string id = KeeperTests.ReadySession(emulator, client, "throttled");
                    emulator.Fault("sessions.get", "{\"kind\":\"status\",\"status\":429,\"retryAfter\":1}", 1);
                    using (SessionKeeper keeper = client.KeepSession(id, KeeperTests.Fast()))
                    {
                        var recorder = new KeeperTests.Recorder(keeper);
                        KeepSessionEventArgs throttled = recorder.WaitFor(KeepSessionEventKind.Throttled);
                        RemoteRenderingException error = Failure(throttled);
                        Assert.Equal(ArrStatus.Throttled, error.ArrStatus, "status");
                        Assert.Equal(429, error.Status, "HTTP status");
                        Assert.Equal(null, error.ErrorCode, "a 429 has no body, so no code");
                        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter, "Retry-After");
                        Assert.Equal(TimeSpan.FromSeconds(1), throttled.RetryAfter, "the event's RetryAfter reads the exception");
                        Assert.Equal(emulator.LoggedMsCv("GET", "/sessions/" + id, 429), error.MsCv, "the 429's MS-CV");

                        // A 503 beyond the policy: retrying, with the service's error code from its body.
                        emulator.Fault("sessions.get", "{\"kind\":\"status\",\"status\":503,\"retryAfter\":null}", 1);
                        RemoteRenderingException unavailable = Failure(recorder.WaitFor(KeepSessionEventKind.Retrying));
                        Assert.Equal(ArrStatus.ServiceError, unavailable.ArrStatus, "status");
                        Assert.Equal(503, unavailable.Status, "HTTP status");
                        Assert.Equal("ServiceUnavailable", unavailable.ErrorCode, "the service's code");
                        Assert.Equal(emulator.LoggedMsCv("GET", "/sessions/" + id, 503), unavailable.MsCv, "the 503's MS-CV");
                        Thread.Sleep(200);
                        Assert.True(!keeper.Completion.IsCompleted, "the keeper carries on");
                    }
                    client.StopSession(id);
                }
            }
        }
    }
}
