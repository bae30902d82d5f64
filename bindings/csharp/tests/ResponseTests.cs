using System;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>
    /// A success's HTTP status and MS-CV (<c>arr_last_response</c>) through <see cref="Response{T}.GetRawResponse"/>,
    /// as Microsoft's <c>Response</c> has them: <see cref="Response.Status"/> and the <c>MS-CV</c> header,
    /// compared with the emulator's request log.
    /// </summary>
    internal static class ResponseTests
    {
        private static void LoggedAs(Emulator emulator, Response raw, string method, string sessionId, int status)
        {
            string msCv;
            Assert.True(raw.Headers.TryGetValue("ms-cv", out msCv) && msCv == raw.MsCv && msCv != null, "the MS-CV header: " + raw);
            Assert.True(raw.Headers.Contains("MS-CV") && raw.ClientRequestId == msCv, "Contains and ClientRequestId");
            string line = emulator.LoggedLine(msCv);
            Assert.True(line != null && line.StartsWith(method + " ", StringComparison.Ordinal) && line.Contains(sessionId)
                && line.Contains(" " + status + " "), "the emulator logged " + method + " " + status + " with that MS-CV: " + line);
        }

        [Test]
        public static void A_get_shows_200_and_the_MS_CV_the_emulator_sent_and_a_start_201()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = Fixture.NewId("raw");
                StartRenderingSessionOperation start = client.StartSession(id, Fixture.Standard(10));
                Assert.Equal(201, start.GetRawResponse().Status, "the start's answer: 201 Created");
                LoggedAs(emulator, start.GetRawResponse(), "PUT", id, 201);

                Response<RenderingSession> got = client.GetSession(id);
                Assert.Equal(200, got.GetRawResponse().Status, "the get's answer");
                LoggedAs(emulator, got.GetRawResponse(), "GET", id, 200);
                Assert.True(!got.GetRawResponse().IsError, "not an error");

                start.UpdateStatus();
                Assert.Equal(200, start.GetRawResponse().Status, "after UpdateStatus, the operation's latest answer");

                Response stopped = client.StopSession(id);
                Assert.True(stopped.Status >= 200 && stopped.Status < 300 && stopped.MsCv != null, "the stop's answer: " + stopped);
                LoggedAs(emulator, stopped, "POST", id, stopped.Status);
            }
        }

        [Test]
        public static async Task The_async_forms_carry_the_answer_too()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = Fixture.NewId("rawasync");
                StartRenderingSessionOperation start = await client.StartSessionAsync(id, Fixture.Standard(10));
                Assert.Equal(201, start.GetRawResponse().Status, "the start's answer");
                Response<RenderingSession> got = await client.GetSessionAsync(id);
                Assert.Equal(200, got.GetRawResponse().Status, "the get's answer");
                LoggedAs(emulator, got.GetRawResponse(), "GET", id, 200);
                Response<RenderingSession> extended = await client.ExtendSessionAsync(id, TimeSpan.FromMinutes(5));
                Assert.Equal(200, extended.GetRawResponse().Status, "the extend's answer");
                Assert.True(extended.GetRawResponse().MsCv != got.GetRawResponse().MsCv, "each answer its own MS-CV");
                await client.StopSessionAsync(id);
            }
        }

        [Test]
        public static void A_mock_response_keeps_what_it_was_given()
        {
            Response<string> response = Response<string>.FromValue("x", null);
            Assert.Equal(200, response.GetRawResponse().Status, "a response without an answer says 200");
            string msCv;
            Assert.True(!response.GetRawResponse().Headers.TryGetValue("MS-CV", out msCv) && msCv == null, "and has no MS-CV");
        }
    }
}
