using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>Blocking calls end when their token is cancelled or the client disposed, from another thread.</summary>
    internal static class CancellationTests
    {
        // "Did not hang" bound: the interrupt must take effect well within this.
        private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

        private static readonly SessionWaitOptions Poll = new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) };

        /// <summary>Runs <paramref name="call"/> on its own thread; returns what it threw and when it returned.</summary>
        private sealed class Blocked
        {
            private readonly Thread _thread;
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            internal Exception Error;
            internal TimeSpan EndedAt;

            internal Blocked(Action call)
            {
                _thread = new Thread(() =>
                {
                    try
                    {
                        call();
                    }
                    catch (Exception e)
                    {
                        Error = e;
                    }
                    EndedAt = _clock.Elapsed;
                }) { IsBackground = true };
                _thread.Start();
                Thread.Sleep(300);
                Assert.True(_thread.IsAlive, "the call is blocked");
            }

            internal bool Join()
            {
                return _thread.Join(TimeSpan.FromSeconds(10));
            }

            /// <summary>Interrupts it and checks it ended within <see cref="Prompt"/> with <typeparamref name="T"/>.</summary>
            internal T EndsWith<T>(Action interrupt, string what) where T : Exception
            {
                TimeSpan at = _clock.Elapsed;
                interrupt();
                Assert.True(_thread.Join(TimeSpan.FromSeconds(10)), what + ": the blocked call returned");
                Assert.True(EndedAt - at < Prompt, what + ": returned " + (EndedAt - at).TotalMilliseconds + " ms after the interrupt");
                Assert.True(Error is T, what + ": expected " + typeof(T).Name + ", got " + (Error == null ? "no exception" : Error.ToString()));
                return (T)Error;
            }
        }

        [Test]
        public static void A_blocking_wait_ends_promptly_when_its_token_is_cancelled()
        {
            Emulator slow = Fixture.Slow;
            using (RemoteRenderingClient client = slow.Client())
            {
                StartRenderingSessionOperation op = client.StartSession(Fixture.NewId("token"), Fixture.Standard());
                var calls = new Dictionary<string, Action<CancellationToken>>
                {
                    { "WaitForSessionReady", t => client.WaitForSessionReady(op.Id, Poll, t) },
                    { "WaitForSessions", t => client.WaitForSessions(new[] { op.Id }, Poll, t) },
                    { "StartRenderingSessionOperation.WaitForCompletion", t => op.WaitForCompletion(Poll, t) },
                    { "WaitForCompletion (Microsoft's overload)", t => op.WaitForCompletion(t) },
                };
                foreach (KeyValuePair<string, Action<CancellationToken>> call in calls)
                {
                    using (var cts = new CancellationTokenSource())
                    {
                        var blocked = new Blocked(() => call.Value(cts.Token));
                        OperationCanceledException e = blocked.EndsWith<OperationCanceledException>(cts.Cancel, call.Key);
                        Assert.Equal(cts.Token, e.CancellationToken, call.Key + ": cancelled by that token");
                    }
                }
                Assert.Throws<OperationCanceledException>(() => client.GetSession(op.Id, new CancellationToken(true)), "an already cancelled token");
                Assert.Equal(RenderingSessionStatus.Starting, client.GetSession(op.Id).Value.Status, "cancelled waits stop nothing; the client still works");
                client.StopSession(op.Id);
            }
        }

        [Test]
        public static void Dispose_on_another_thread_interrupts_blocking_calls_and_pending_tasks()
        {
            Emulator slow = Fixture.Slow;
            RemoteRenderingClient client = slow.Client();
            string id = client.StartSession(Fixture.NewId("interrupt"), Fixture.Standard()).Id;
            Task<Response<RenderingSession>> pending = client.WaitForSessionReadyAsync(id, Poll);
            var blocked = new Blocked(() => client.WaitForSessionReady(id, Poll));
            var second = new Blocked(() => new StartRenderingSessionOperation(id, client).WaitForCompletion());

            blocked.EndsWith<OperationCanceledException>(client.Dispose, "a blocking wait");
            Assert.True(second.Join() && second.Error is OperationCanceledException, "a second blocked thread too: " + second.Error);
            Assert.True(pending.IsCanceled, "the pending task completed as cancelled");
            Assert.Throws<ObjectDisposedException>(() => client.GetSession(id), "calls after Dispose");
            client.Dispose();

            using (RemoteRenderingClient other = slow.Client())
            {
                Assert.Equal(RenderingSessionStatus.Starting, other.GetSession(id).Value.Status, "disposing stops no session by default");
                other.StopSession(id);
            }
        }

        [Test]
        public static void Shutdown_on_another_thread_interrupts_a_blocking_call()
        {
            // Its own emulator and client: the shutdown closes every client of the process.
            using (Emulator emulator = Fixture.Fresh("--start-delay", "600s"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = client.StartSession(Fixture.NewId("shutdown"), Fixture.Standard()).Id;
                var blocked = new Blocked(() => client.WaitForSessionReady(id, Poll));
                blocked.EndsWith<OperationCanceledException>(ArrRuntime.Shutdown, "a blocking wait");
            }
        }

        [Test]
        public static void Stop_on_close_and_the_owned_option_leave_no_live_session()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "600s"))
            {
                RemoteRenderingClientOptions options = emulator.Options();
                options.StopOwnedSessionsOnClose = true;
                options.CloseTimeout = TimeSpan.FromSeconds(10);
                RemoteRenderingClient client = emulator.Client(options);
                var ids = new List<string>
                {
                    client.StartSession(Fixture.NewId("owned"), Fixture.Standard()).Id,
                    client.StartSessionAsync(Fixture.NewId("owned"), Fixture.Standard()).Result.Id,
                    client.StartSession(Fixture.NewId("owned"), Fixture.Standard()).Id,
                };
                var notOwned = Fixture.Standard();
                notOwned.Owned = false;
                string unowned = client.StartSession(Fixture.NewId("unowned"), notOwned).Id;
                IReadOnlyList<string> owned = client.GetOwnedSessionIds();
                Assert.True(ids.All(owned.Contains) && owned.Count == 3, "the client owns what it started: " + string.Join(",", owned));
                Assert.True(!owned.Contains(unowned), "but not a session started with Owned = false");
                client.Dispose();

                using (RemoteRenderingClient other = emulator.Client())
                {
                    Pageable<RenderingSession> live = other.GetSessions();
                    Assert.Equal(1, live.Count, "only the unowned session is live: " + string.Join(",", live.Select(s => s.SessionId)));
                    Assert.Equal(unowned, live[0].SessionId, "the unowned one");
                    other.StopSession(unowned);

                    // StopOwnedSessions does the same on demand.
                    string a = other.StartSession(Fixture.NewId("guard"), Fixture.Standard()).Id;
                    string b = other.StartSession(Fixture.NewId("guard"), Fixture.Standard()).Id;
                    IReadOnlyList<SessionResult> results = other.StopOwnedSessions(TimeSpan.FromSeconds(10));
                    Assert.Equal(2, results.Count(r => r.Status == ArrStatus.Ok && (r.SessionId == a || r.SessionId == b)),
                        "both stopped: " + string.Join("; ", results.Select(r => r.ToString())));
                    Assert.Equal(0, other.GetOwnedSessionIds().Count, "nothing owned any more");
                    Assert.Equal(0, other.GetSessions().Count, "no live session is left");
                }
            }
        }

        [Test]
        public static void Disposing_closes_the_client_once_and_later_calls_throw_ObjectDisposedException()
        {
            RemoteRenderingClient client = Fixture.Fast.Client();
            client.Dispose();
            client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => client.GetSessions(), "blocking");
            Assert.Throws<ObjectDisposedException>(() => client.GetSessionsAsync(), "async");
            Assert.Throws<ObjectDisposedException>(() => client.GetOwnedSessionIds(), "guard");
        }
    }
}
