using System;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Each failure maps to the right exception, with HTTP status, error code and MS-CV.</summary>
    internal static class ErrorTests
    {
        private sealed class Case
        {
            internal string Name;
            internal string Route;
            internal string FaultJson;
            internal ArrStatus Status;
            internal int? Http;
            internal bool HasMsCv;
            internal string Code;
        }

        private static readonly Case[] FaultCases =
        {
            new Case { Name = "400", Route = "sessions.get", FaultJson = Status(400), Status = ArrStatus.InvalidArgument, Http = 400, HasMsCv = true },
            new Case { Name = "403", Route = "sessions.get", FaultJson = Status(403), Status = ArrStatus.Forbidden, Http = 403, HasMsCv = true },
            new Case { Name = "429", Route = "sessions.get", FaultJson = "{\"kind\":\"status\",\"status\":429,\"retryAfter\":2}", Status = ArrStatus.Throttled, Http = 429, HasMsCv = true },
            new Case { Name = "500", Route = "sessions.get", FaultJson = Status(500), Status = ArrStatus.ServiceError, Http = 500, HasMsCv = true, Code = "InternalServerError" },
            new Case { Name = "503", Route = "sessions.get", FaultJson = Status(503), Status = ArrStatus.ServiceError, Http = 503, HasMsCv = true, Code = "ServiceUnavailable" },
            new Case { Name = "drop", Route = "sessions.get", FaultJson = "{\"kind\":\"dropBeforeProcessing\"}", Status = ArrStatus.Network, Http = null, HasMsCv = false },
            new Case { Name = "malformed", Route = "sessions.get", FaultJson = "{\"kind\":\"malformedBody\"}", Status = ArrStatus.Decode, Http = 200, HasMsCv = true },
        };

        private static string Status(int status)
        {
            return "{\"kind\":\"status\",\"status\":" + status + ",\"retryAfter\":null}";
        }

        private static RemoteRenderingClient NoRetryClient(Emulator emulator)
        {
            RemoteRenderingClientOptions options = emulator.Options(RemoteRenderingServiceVersion.V2021_01_01);
            options.Retry.MaxRetries = 0;
            return emulator.Client(options);
        }

        [Test]
        public static async Task Faults_map_to_RemoteRenderingException_blocking_and_async()
        {
            using (Emulator emulator = Fixture.Fresh())
            using (RemoteRenderingClient client = NoRetryClient(emulator))
            {
                string id = client.StartSession(Fixture.NewId("faults"), Fixture.Standard()).Id;
                foreach (Case c in FaultCases)
                {
                    emulator.Fault(c.Route, c.FaultJson, 1);
                    Check(c, "blocking", Assert.Throws<RemoteRenderingException>(() => client.GetSession(id), c.Name));
                    emulator.Fault(c.Route, c.FaultJson, 1);
                    Check(c, "async", await Assert.ThrowsAsync<RemoteRenderingException>(() => client.GetSessionAsync(id), c.Name));
                }
                client.StopSession(id);
            }
        }

        private static void Check(Case c, string form, RemoteRenderingException e)
        {
            string what = c.Name + " (" + form + "): ";
            Assert.Equal(c.Status, e.ArrStatus, what + "status");
            if (c.Http.HasValue)
            {
                Assert.Equal(c.Http.Value, e.Status, what + "HTTP status");
            }
            else
            {
                Assert.Equal(0, e.Status, what + "no HTTP status");
            }
            if (c.HasMsCv)
            {
                Assert.True(!string.IsNullOrEmpty(e.MsCv), what + "MS-CV");
            }
            if (c.Status == ArrStatus.Throttled)
            {
                Assert.Equal(TimeSpan.FromSeconds(2), e.RetryAfter, what + "Retry-After");
            }
            Assert.True(!string.IsNullOrEmpty(e.Message) && e.ErrorJson != null, what + "message and JSON");
            Assert.Equal(c.Code, e.ErrorCode, what + "error code");
        }

        [Test]
        public static async Task Not_found_conflict_and_unauthorized_carry_code_and_ms_cv()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                var notFound = Assert.Throws<RemoteRenderingException>(() => client.GetSession("missing-session"), "404");
                CheckService(notFound, ArrStatus.NotFound, 404);
                notFound = await Assert.ThrowsAsync<RemoteRenderingException>(() => client.GetSessionAsync("missing-session"), "404 async");
                CheckService(notFound, ArrStatus.NotFound, 404);

                string id = Fixture.NewId("conflict");
                client.StartSession(id, Fixture.Standard());
                var premium = new RenderingSessionOptions(TimeSpan.FromMinutes(30), RenderingServerSize.Premium);
                CheckService(Assert.Throws<RemoteRenderingException>(() => client.StartSession(id, premium), "409"), ArrStatus.Conflict, 409);
                CheckService(await Assert.ThrowsAsync<RemoteRenderingException>(() => client.StartSessionAsync(id, premium), "409 async"),
                    ArrStatus.Conflict, 409);
                client.StopSession(id);
            }
            using (var client = new RemoteRenderingClient(emulator.Endpoint, new Guid(Emulator.AccountId), null,
                new AzureKeyCredential("d3Jvbmcta2V5"), emulator.Options()))
            {
                var e = Assert.Throws<RemoteRenderingException>(() => client.GetSessions(), "401");
                Assert.Equal(ArrStatus.Unauthorized, e.ArrStatus, "401 status");
                Assert.Equal(401, e.Status, "401 HTTP");
                Assert.True(e.ErrorJson.IndexOf("d3Jvbmcta2V5", StringComparison.Ordinal) < 0, "the key is not in the error");
                e = await Assert.ThrowsAsync<RemoteRenderingException>(() => client.GetSessionsAsync().AsTask(), "401 async");
                Assert.Equal(ArrStatus.Unauthorized, e.ArrStatus, "401 async status");
            }
        }

        private static void CheckService(RemoteRenderingException e, ArrStatus status, int http)
        {
            Assert.Equal(status, e.ArrStatus, http + " status");
            Assert.Equal(http, e.Status, http + " HTTP status");
            Assert.True(e is RequestFailedException, "a RequestFailedException");
            // Like the service, the emulator answers 404 with an empty body: no error code then.
            Assert.Equal(http == 404 ? null : "Conflict", e.ErrorCode, http + " error code");
            Assert.True(!string.IsNullOrEmpty(e.MsCv), http + " MS-CV");
        }

        [Test]
        public static async Task Waits_end_with_timeout_or_session_ended()
        {
            using (RemoteRenderingClient client = Fixture.Slow.Client())
            {
                var quick = new SessionWaitOptions { Timeout = TimeSpan.FromMilliseconds(300), PollInterval = TimeSpan.FromMilliseconds(50) };
                StartRenderingSessionOperation op = client.StartSession(Fixture.NewId("timeout"), Fixture.Standard());
                Assert.Equal(ArrStatus.Timeout, Assert.Throws<RemoteRenderingException>(() => op.WaitForCompletion(quick), "timeout").ArrStatus, "timeout");
                Assert.Equal(ArrStatus.Timeout, (await Assert.ThrowsAsync<RemoteRenderingException>(
                    () => op.WaitForCompletionAsync(quick, default(System.Threading.CancellationToken)), "timeout async")).ArrStatus, "timeout async");
                Assert.Equal(RenderingSessionStatus.Starting, client.GetSession(op.Id).Value.Status, "a timed-out wait stops nothing");

                client.StopSession(op.Id);
                // The client's wait for Ready fails with the session...
                var ended = Assert.Throws<RemoteRenderingException>(() => client.WaitForSessionReady(op.Id, quick), "ended");
                Assert.Equal(ArrStatus.SessionEnded, ended.ArrStatus, "ended status");
                Assert.Equal(RenderingSessionStatus.Stopped, ended.Session.Status, "the error has the session");
                ended = await Assert.ThrowsAsync<RemoteRenderingException>(() => client.WaitForSessionReadyAsync(op.Id, quick), "ended async");
                Assert.Equal(ArrStatus.SessionEnded, ended.ArrStatus, "ended async status");
                // ...while the operation, as Microsoft's, completes with the session in whatever state it ended.
                Assert.Equal(RenderingSessionStatus.Stopped, op.WaitForCompletion(quick).Value.Status, "the operation completes");
                Assert.True(op.HasCompleted && op.HasValue && op.Value.Status == RenderingSessionStatus.Stopped, "the operation saw the end");
                Assert.Equal(RenderingSessionStatus.Stopped, (await op.WaitForCompletionAsync()).Value.Status, "the operation completes (async)");
            }
        }

        [Test]
        public static void Bad_arguments_throw_ArgumentException_before_any_request()
        {
            using (Emulator emulator = Fixture.Fresh())
            using (RemoteRenderingClient client = emulator.Client())
            {
                var ok = Fixture.Standard();
                Assert.Equal("sessionId", Assert.Throws<ArgumentException>(() => client.StartSession("bad id!", ok), "id").ParamName, "param");
                Assert.Throws<ArgumentException>(() => client.StartSessionAsync("bad id!", ok), "id async");
                Assert.Throws<ArgumentException>(() => client.StartSession("x", new RenderingSessionOptions(TimeSpan.FromMinutes(1441), "Standard")), "lease");
                Assert.Throws<ArgumentException>(() => client.StartSessionAsync("x", new RenderingSessionOptions(TimeSpan.FromMinutes(5), "Huge")), "size");
                Assert.Throws<ArgumentOutOfRangeException>(() => client.StartSession("x", new RenderingSessionOptions(TimeSpan.FromSeconds(90), "Standard")), "part minutes");
                Assert.Throws<ArgumentNullException>(() => client.StartSession("x", null), "null options");
                Assert.Equal("sessionId", Assert.Throws<ArgumentNullException>(() => client.GetSession(null), "null id").ParamName, "null param");
                Assert.Throws<ArgumentNullException>(() => client.GetSessionAsync(null), "null id async");
                Assert.Throws<ArgumentException>(() => client.GetSession(""), "empty id");
                Assert.Throws<ArgumentException>(() => client.UpdateSession("x", new UpdateSessionOptions(TimeSpan.FromMinutes(2000))), "update lease");
                Assert.Throws<ArgumentNullException>(() => client.UpdateSession("x", null), "no update options");
                Assert.Throws<ArgumentException>(() => client.UpdateSessionAsync("x", new UpdateSessionOptions(TimeSpan.FromMinutes(-1))), "negative lease");
                Assert.Throws<ArgumentException>(() => client.ExtendSession("x", TimeSpan.Zero), "extend by 0");
                Assert.Throws<ArgumentException>(() => client.ExtendSessionAsync("x", TimeSpan.FromMinutes(1441)), "extend too far");
                Assert.Throws<ArgumentException>(() => client.StopSessionAsync("a/b"), "stop bad id");
                Assert.Throws<ArgumentNullException>(() => client.WaitForSessions(null), "null ids");
                Assert.Throws<ArgumentException>(() => client.WaitForSessionsAsync(new[] { "ok", null }), "null in ids");
                Assert.Throws<ArgumentException>(() => client.WaitForSessionReady("x", new SessionWaitOptions { Timeout = TimeSpan.Zero }), "zero timeout");
                Assert.Throws<ArgumentException>(() => client.WaitForSessionReadyAsync("x", new SessionWaitOptions { PollInterval = TimeSpan.Zero }), "zero poll");
                foreach (string withNul in new[] { "ab\0cd", "\0" })
                {
                    Assert.True(Assert.Throws<ArgumentException>(() => client.GetSession(withNul), "interior NUL").Message.Contains("NUL"), "says NUL");
                    Assert.Equal("sessionId", Assert.Throws<ArgumentException>(() => client.StopSessionAsync(withNul), "interior NUL async").ParamName, "NUL param");
                    Assert.Throws<ArgumentException>(() => client.StartSession(withNul, ok), "interior NUL in a start");
                    Assert.Throws<ArgumentException>(() => client.WaitForSessions(new[] { "ok", withNul }), "interior NUL in a batch");
                }
                Assert.Throws<ArgumentException>(() => client.GetSession("lone \ud800 surrogate"), "lone surrogate");
                Assert.Equal(0, emulator.TotalRequests(), "no request reached the service");
            }
        }

        [Test]
        public static void Bad_client_options_throw_ArgumentException()
        {
            Emulator emulator = Fixture.Fast;
            var id = new Guid(Emulator.AccountId);
            var key = new AzureKeyCredential(Emulator.AccountKey);
            Assert.Throws<ArgumentNullException>(() => new RemoteRenderingClient(null, id, null, key, emulator.Options()), "null endpoint");
            Assert.Throws<ArgumentNullException>(() => new RemoteRenderingClient(emulator.Endpoint, id, null, (AzureKeyCredential)null), "null key");
            Assert.Throws<ArgumentException>(() => new AzureKeyCredential(""), "empty key");
            RemoteRenderingClientOptions o = emulator.Options();
            o.Proxy = "not a url";
            Assert.Throws<ArgumentException>(() => emulator.Client(o), "bad proxy");
            o = emulator.Options();
            o.CloseTimeout = TimeSpan.FromDays(-1);
            Assert.Throws<ArgumentException>(() => emulator.Client(o), "negative close timeout");
            using (RemoteRenderingClient client = emulator.Client(RemoteRenderingServiceVersion.V1))
            {
                Assert.Throws<ArgumentException>(() => client.StartSession("v1-takes-no-id", Fixture.Standard()), "id with v1");
            }
        }
    }
}
