using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Every token request is answered: bad providers fail the operation at once, with the reason.</summary>
    internal static class TokenProviderTests
    {
        private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

        private static Task<string> Throws()
        {
            throw new InvalidOperationException("the sign-in window was closed");
        }

        private static async Task<string> FaultsLater()
        {
            await Task.Delay(10);
            throw new TimeoutException("the identity provider did not answer");
        }

        [Test]
        public static void A_failing_or_misbehaving_provider_fails_the_operation_at_once()
        {
            Emulator emulator = Fixture.Fast;
            var cancelled = new TaskCompletionSource<string>();
            cancelled.SetCanceled();
            var cases = new List<KeyValuePair<string, Func<Task<string>>>>
            {
                new KeyValuePair<string, Func<Task<string>>>("the sign-in window was closed", Throws),
                new KeyValuePair<string, Func<Task<string>>>("the identity provider did not answer", FaultsLater),
                new KeyValuePair<string, Func<Task<string>>>("returned no task", () => null),
                new KeyValuePair<string, Func<Task<string>>>("gave no token", () => Task.FromResult<string>(null)),
                new KeyValuePair<string, Func<Task<string>>>("empty token", () => Task.FromResult("   ")),
                new KeyValuePair<string, Func<Task<string>>>("not allowed in an HTTP header", () => Task.FromResult("abc\ndef")),
                new KeyValuePair<string, Func<Task<string>>>("not allowed in an HTTP header", () => Task.FromResult("tok\0en")),
                new KeyValuePair<string, Func<Task<string>>>("not allowed in an HTTP header", () => Task.FromResult("caf\u00e9")),
                new KeyValuePair<string, Func<Task<string>>>("was cancelled", () => cancelled.Task),
            };
            foreach (KeyValuePair<string, Func<Task<string>>> c in cases)
            {
                using (RemoteRenderingClient client = RuntimeTests.ProviderClient(emulator, c.Value))
                {
                    var watch = Stopwatch.StartNew();
                    var e = Assert.Throws<RemoteRenderingException>(() => client.GetSessions(), c.Key);
                    Assert.True(watch.Elapsed < Prompt, c.Key + ": failed after " + watch.ElapsedMilliseconds + " ms");
                    Assert.Equal(ArrStatus.Unauthorized, e.ArrStatus, c.Key + ": status");
                    Assert.True(e.Message.Contains(c.Key), c.Key + ": the reason is in the message: " + e.Message);

                    watch = Stopwatch.StartNew();
                    Task<Pageable<RenderingSession>> task = client.GetSessionsAsync().AsTask();
                    Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(Prompt), c.Key + ": the async form failed promptly too");
                    Assert.True(task.IsFaulted, c.Key + ": faulted");
                }
            }
        }

        [Test]
        public static void A_token_with_surrounding_whitespace_is_trimmed_and_works()
        {
            Emulator emulator = Fixture.Fast;
            string token = RuntimeTests.TokenOf(emulator);
            using (RemoteRenderingClient client = RuntimeTests.ProviderClient(emulator, () => Task.FromResult("  " + token + "\r\n")))
            {
                Assert.True(client.GetSessions() != null, "listed");
            }
        }

        [Test]
        public static void The_provider_runs_on_the_given_synchronization_context()
        {
            Emulator emulator = Fixture.Fast;
            string token = RuntimeTests.TokenOf(emulator);
            using (var ui = new SingleThreadContext())
            {
                Thread seen = null;
                RemoteRenderingClientOptions options = emulator.Options();
                options.TokenProviderContext = ui;
                using (RemoteRenderingClient client = RuntimeTests.ProviderClient(emulator, async () =>
                {
                    seen = Thread.CurrentThread;
                    await Task.Yield();
                    Assert.True(Thread.CurrentThread == ui.Thread, "an await inside the provider resumes on the context");
                    return token;
                }, options))
                {
                    // Called from another thread (never block the context's own thread on a call needing a token).
                    Assert.True(client.GetSessions() != null, "listed");
                    Assert.True(seen == ui.Thread, "the provider ran on the context's thread, not '" + (seen == null ? "none" : seen.Name) + "'");
                }
            }
        }

        [Test]
        public static void An_access_token_credential_is_used_as_it_is()
        {
            Emulator emulator = Fixture.Fast;
            var token = new AccessToken(RuntimeTests.TokenOf(emulator), DateTimeOffset.UtcNow.AddHours(1));
            using (var client = new RemoteRenderingClient(emulator.Endpoint, new Guid(Emulator.AccountId), null, token, emulator.Options()))
            {
                Assert.True(client.GetSessions() != null, "listed with a fixed access token");
            }
        }
    }
}
