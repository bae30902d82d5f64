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
    /// <summary>
    /// The lease keeper (<see cref="RemoteRenderingClient.KeepSession"/>) against the emulator. Every test has
    /// its own emulator, because moving the emulated clock moves it for every session.
    /// </summary>
    internal static class KeeperTests
    {
        // "Did not hang" bounds, not timings.
        internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
        private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

        internal static KeepSessionOptions Fast(KeepSessionOptions options = null)
        {
            options = options ?? new KeepSessionOptions();
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            return options;
        }

        /// <summary>Records a keeper's events and the threads they were raised on.</summary>
        internal sealed class Recorder
        {
            private readonly object _lock = new object();
            private readonly List<KeepSessionEventArgs> _events = new List<KeepSessionEventArgs>();
            private readonly List<Thread> _threads = new List<Thread>();

            internal Recorder(SessionKeeper keeper)
            {
                keeper.Changed += (sender, e) =>
                {
                    Assert.True(sender == keeper, "the sender is the keeper");
                    lock (_lock)
                    {
                        _events.Add(e);
                        _threads.Add(Thread.CurrentThread);
                        Monitor.PulseAll(_lock);
                    }
                };
            }

            internal List<KeepSessionEventArgs> Events
            {
                get { lock (_lock) { return _events.ToList(); } }
            }

            internal List<Thread> Threads
            {
                get { lock (_lock) { return _threads.ToList(); } }
            }

            internal KeepSessionEventArgs WaitFor(KeepSessionEventKind kind)
            {
                DateTime until = DateTime.UtcNow + Patience;
                lock (_lock)
                {
                    while (true)
                    {
                        KeepSessionEventArgs found = _events.FirstOrDefault(e => e.Kind == kind);
                        if (found != null)
                        {
                            return found;
                        }
                        TimeSpan left = until - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero)
                        {
                            throw new AssertionException("no " + kind + " event within " + Patience.TotalSeconds + " s; got: " + Describe(_events));
                        }
                        Monitor.Wait(_lock, left);
                    }
                }
            }

            internal string Kinds()
            {
                return string.Join(",", Events.Select(e => e.Kind.ToString()));
            }
        }

        /// <summary>
        /// The exception a keeper of one session faulted with is the failure its failed event reported: the same
        /// type, status, HTTP status, code, MS-CV and message (the library ends the stream with that failure).
        /// </summary>
        internal static void SameFailure(Exception faulted, KeepSessionEventArgs failed)
        {
            var end = faulted as RemoteRenderingException;
            var reported = failed.Exception as RemoteRenderingException;
            Assert.True(end != null && reported != null && end.GetType() == reported.GetType(),
                "both RemoteRenderingExceptions of one type: " + faulted + " / " + failed.Exception);
            Assert.Equal(reported.ArrStatus, end.ArrStatus, "the failed event's status");
            Assert.Equal(reported.Status, end.Status, "the failed event's HTTP status");
            Assert.Equal(reported.ErrorCode, end.ErrorCode, "the failed event's code");
            Assert.Equal(reported.MsCv, end.MsCv, "the failed event's MS-CV");
            Assert.Equal(reported.Message, end.Message, "the failed event's message");
            Assert.Equal(reported.RetryAfter, end.RetryAfter, "the failed event's Retry-After");
        }

        internal static string Describe(IEnumerable<KeepSessionEventArgs> events)
        {
            return "[" + string.Join(", ", events.Select(e => e.ToString())) + "]";
        }

        private static void Advance(Emulator emulator, int minutes)
        {
            emulator.Http("POST", "/_emulator/clock/advance", "{\"minutes\": " + minutes + "}");
        }

        /// <summary>A Ready session with a 60-minute lease on <paramref name="emulator"/>.</summary>
        internal static string ReadySession(Emulator emulator, RemoteRenderingClient client, string prefix)
        {
            string id = Fixture.NewId(prefix);
            client.StartSession(id, Fixture.Standard(60));
            client.WaitForSessionReady(id, new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
            return id;
        }

        private static double LeaseMinutes(RemoteRenderingClient client, string id)
        {
            return client.GetSession(id).Value.MaxLeaseTime.Value.TotalMinutes;
        }

        private static void EndsCancelled(Task completion, string what)
        {
            try
            {
                Assert.True(completion.Wait(Patience), what + ": Completion ended");
            }
            catch (AggregateException e)
            {
                Assert.True(e.InnerException is TaskCanceledException, what + ": cancelled, not " + e.InnerException);
            }
            Assert.True(completion.IsCanceled, what + ": Completion is cancelled (" + completion.Status + ")");
        }

        [Test]
        public static void A_keeper_renews_a_session_with_50_of_60_minutes_used_to_90()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = ReadySession(emulator, client, "keep");
                Advance(emulator, 50);
                using (SessionKeeper keeper = client.KeepSession(id, Fast(new KeepSessionOptions { RenewBelow = TimeSpan.FromMinutes(15) })))
                {
                    Assert.Equal(id, keeper.SessionId, "SessionId");
                    var recorder = new Recorder(keeper);
                    KeepSessionEventArgs extended = recorder.WaitFor(KeepSessionEventKind.Extended);
                    Assert.Equal(id, extended.SessionId, "the event's session");
                    Assert.Equal(TimeSpan.FromMinutes(60), extended.From, "from");
                    Assert.Equal(TimeSpan.FromMinutes(90), extended.To, "to");
                    Assert.Equal(90.0, LeaseMinutes(client, id), "the lease the service has");
                    Assert.True(!keeper.Completion.IsCompleted, "the keeper keeps going");
                }
            }
        }

        [Test]
        public static void A_capped_keeper_stops_at_the_cap_warns_and_completes_when_the_session_expires()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = ReadySession(emulator, client, "cap");
                Advance(emulator, 50);
                var options = Fast(new KeepSessionOptions
                {
                    RenewBelow = TimeSpan.FromMinutes(15),
                    MaxTotal = TimeSpan.FromMinutes(90),
                    WarnAt = new List<TimeSpan> { TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10) },
                });
                using (SessionKeeper keeper = client.KeepSession(id, options))
                {
                    var recorder = new Recorder(keeper);
                    KeepSessionEventArgs cap = recorder.WaitFor(KeepSessionEventKind.CapReached);
                    Assert.Equal(TimeSpan.FromMinutes(90), cap.Lease, "the lease at the cap");
                    Assert.Equal(90.0, LeaseMinutes(client, id), "renewed to the cap only");

                    Advance(emulator, 35);
                    KeepSessionEventArgs soon = recorder.WaitFor(KeepSessionEventKind.ExpiringSoon);
                    Assert.True(soon.Remaining <= TimeSpan.FromMinutes(10) && soon.Remaining > TimeSpan.Zero,
                        "expiring soon with " + soon.Remaining + " left");

                    Advance(emulator, 10);
                    KeepSessionEventArgs ended = recorder.WaitFor(KeepSessionEventKind.Ended);
                    Assert.Equal(RenderingSessionStatus.Expired, ended.Status.Value, "ended as");
                    Assert.True(ended.Error == null, "no error");
                    Assert.True(keeper.Completion.Wait(Patience), "Completion ended");
                    Assert.Equal(TaskStatus.RanToCompletion, keeper.Completion.Status, "a session that ended completes the keeper");
                    Assert.Equal("extended,capReached,expiringSoon,ended", recorder.Kinds(), "every event, in order, once: " + Describe(recorder.Events));
                    Assert.Equal(90.0, LeaseMinutes(client, id), "never beyond the cap");
                }
            }
        }

        [Test]
        public static void Two_keepers_of_one_session_never_double_the_lease()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient first = emulator.Client())
            using (RemoteRenderingClient second = emulator.Client())
            {
                string id = ReadySession(emulator, first, "two");
                var options = Fast(new KeepSessionOptions { RenewBelow = TimeSpan.FromMinutes(15) });
                using (SessionKeeper a = first.KeepSession(id, options))
                using (SessionKeeper b = second.KeepSession(id, options))
                {
                    var recordA = new Recorder(a);
                    var recordB = new Recorder(b);
                    Advance(emulator, 50);
                    var deadline = Stopwatch.StartNew();
                    while (recordA.Events.Count + recordB.Events.Count == 0 && deadline.Elapsed < Patience)
                    {
                        Thread.Sleep(20);
                    }
                    Assert.True(recordA.Events.Count + recordB.Events.Count > 0, "a renewal happened");
                    // Both keepers look many times more after the renewal.
                    Thread.Sleep(600);
                    Assert.Equal(90.0, LeaseMinutes(first, id), "one renewal's worth, not two");
                    foreach (KeepSessionEventArgs e in recordA.Events.Concat(recordB.Events))
                    {
                        Assert.Equal(KeepSessionEventKind.Extended, e.Kind, "only renewals: " + e);
                        Assert.Equal(TimeSpan.FromMinutes(90), e.To, "every renewal asks for the same total: " + e);
                    }
                    // A keeper attached later (an app restart) adds nothing either.
                    using (SessionKeeper late = first.KeepSession(id, options))
                    {
                        Thread.Sleep(300);
                        Assert.Equal(90.0, LeaseMinutes(first, id), "a late keeper adds nothing");
                    }
                }
            }
        }

        [Test]
        public static void Cancelling_the_token_Cancel_or_Dispose_ends_Completion_as_cancelled_promptly_and_leaves_the_lease()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                var ways = new Dictionary<string, Action<SessionKeeper, CancellationTokenSource>>
                {
                    { "the token", (k, cts) => cts.Cancel() },
                    { "Cancel()", (k, cts) => k.Cancel() },
                    { "Dispose()", (k, cts) => k.Dispose() },
                };
                var stopped = new List<string>();
                foreach (KeyValuePair<string, Action<SessionKeeper, CancellationTokenSource>> way in ways)
                {
                    string id = ReadySession(emulator, client, "stop");
                    using (var cts = new CancellationTokenSource())
                    {
                        SessionKeeper keeper = client.KeepSession(id, Fast(new KeepSessionOptions { RenewBelow = TimeSpan.FromMinutes(15) }), cts.Token);
                        var recorder = new Recorder(keeper);
                        Thread.Sleep(300);
                        Assert.True(!keeper.Completion.IsCompleted, way.Key + ": running before");
                        var clock = Stopwatch.StartNew();
                        way.Value(keeper, cts);
                        EndsCancelled(keeper.Completion, way.Key);
                        Assert.True(clock.Elapsed < Prompt, way.Key + ": ended " + clock.Elapsed.TotalMilliseconds + " ms after the cancel");
                        if (way.Key == "the token")
                        {
                            try
                            {
                                keeper.Completion.GetAwaiter().GetResult();
                            }
                            catch (OperationCanceledException e)
                            {
                                Assert.Equal(cts.Token, e.CancellationToken, "cancelled by the caller's token");
                            }
                        }
                        Assert.Equal(0, recorder.Events.Count, way.Key + ": nothing happened before: " + Describe(recorder.Events));
                        keeper.Cancel();
                        keeper.Dispose();
                        stopped.Add(id);
                    }
                }
                // The keepers are gone: a lease that would be renewed now stays as it is.
                Advance(emulator, 50);
                Thread.Sleep(300);
                foreach (string id in stopped)
                {
                    Assert.Equal(60.0, LeaseMinutes(client, id), "the lease stays as it is after the keeper stopped (" + id + ")");
                }
            }
        }

        [Test]
        public static void Disposing_the_client_ends_its_keepers_as_cancelled()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            {
                RemoteRenderingClient client = emulator.Client();
                string id = ReadySession(emulator, client, "close");
                SessionKeeper keeper = client.KeepSession(id, Fast());
                Thread.Sleep(200);
                client.Dispose();
                EndsCancelled(keeper.Completion, "client disposed");
                keeper.Dispose();
                using (RemoteRenderingClient other = emulator.Client())
                {
                    Assert.Equal(RenderingSessionStatus.Ready, other.GetSession(id).Value.Status, "the session runs on");
                    Assert.Throws<ObjectDisposedException>(() => client.KeepSession(id), "a disposed client starts no keeper");
                }
            }
        }

        [Test]
        public static void Events_and_the_resumed_await_of_Completion_arrive_on_the_captured_context()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            using (var context = new SingleThreadContext())
            {
                string id = ReadySession(emulator, client, "ctx");
                var threads = new List<Thread>();
                var kinds = new List<string>();
                Thread resumedOn = null;
                Task run = context.Run(async () =>
                {
                    // The cap is the current lease: CapReached at once, then Ended when it is made to expire.
                    SessionKeeper keeper = client.KeepSession(id, Fast(new KeepSessionOptions { MaxTotal = TimeSpan.FromMinutes(60) }));
                    keeper.Changed += (s, e) =>
                    {
                        threads.Add(Thread.CurrentThread);
                        kinds.Add(e.Kind.ToString());
                        if (e.Kind == KeepSessionEventKind.CapReached)
                        {
                            emulator.Http("POST", "/_emulator/sessions/" + id + "/expire", "{}");
                        }
                    };
                    await keeper.Completion;
                    resumedOn = Thread.CurrentThread;
                });
                Assert.True(run.Wait(Patience), "the keeper completed: " + string.Join(",", kinds));
                Assert.Equal("capReached,ended", string.Join(",", kinds), "events");
                Assert.True(threads.All(t => t == context.Thread), "every event was raised on the context's thread");
                Assert.True(resumedOn == context.Thread, "await Completion resumed on the context's thread");
            }
        }

        [Test]
        public static void A_handler_attached_late_still_gets_every_event_in_order()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = ReadySession(emulator, client, "late");
                // No SynchronizationContext here: events go to the thread pool, one at a time.
                SessionKeeper keeper = client.KeepSession(id, Fast(new KeepSessionOptions { MaxTotal = TimeSpan.FromMinutes(60) }));
                Thread.Sleep(300);   // many polls: CapReached has happened, held for the first handler
                emulator.Http("POST", "/_emulator/sessions/" + id + "/expire", "{}");
                Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(Patience), "the keeper ended with the session");
                var recorder = new Recorder(keeper);
                recorder.WaitFor(KeepSessionEventKind.Ended);
                Assert.Equal("capReached,ended", recorder.Kinds(), "the held events, from the first: " + Describe(recorder.Events));
                Assert.Equal(TaskStatus.RanToCompletion, keeper.Completion.Status, "completed");
            }
        }

        [Test]
        public static void Keeping_an_unknown_session_reports_Failed_and_faults_Completion_with_NotFound()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                string id = Fixture.NewId("nobody");
                SessionKeeper keeper = client.KeepSession(id, Fast());
                var recorder = new Recorder(keeper);
                KeepSessionEventArgs failed = recorder.WaitFor(KeepSessionEventKind.Failed);
                Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(Patience), "Completion ended");
                Assert.True(keeper.Completion.IsFaulted, "faulted: " + keeper.Completion.Status);
                var error = keeper.Completion.Exception.InnerException as RemoteRenderingException;
                Assert.True(error != null, "a RemoteRenderingException: " + keeper.Completion.Exception.InnerException);
                SameFailure(error, failed);
                Assert.Equal(ArrStatus.NotFound, error.ArrStatus, "classified by the library's status");
                Assert.Equal(404, error.Status, "HTTP status");
                Assert.Equal(null, error.ErrorCode, "a 404 has no body, so no code");
                Assert.Equal(Fixture.Fast.LoggedMsCv("GET", "/sessions/" + id, 404), error.MsCv, "the MS-CV the emulator sent");
                Assert.True(!string.IsNullOrEmpty(failed.Message), "with a message");
                Assert.Equal("failed", recorder.Kinds(), "one event");
            }
        }

        [Test]
        public static void A_session_failing_into_Error_ends_with_its_own_error_and_completes_the_keeper()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = ReadySession(emulator, client, "vmlost");
                using (SessionKeeper keeper = client.KeepSession(id, Fast()))
                {
                    var recorder = new Recorder(keeper);
                    emulator.Http("POST", "/_emulator/sessions/" + id + "/fail", "{\"code\":\"VmLost\",\"message\":\"The VM went away.\"}");
                    KeepSessionEventArgs ended = recorder.WaitFor(KeepSessionEventKind.Ended);
                    Assert.Equal(id, ended.SessionId, "the ended event names its session");
                    Assert.Equal(RenderingSessionStatus.Error, ended.Status.Value, "ended as");
                    Assert.True(ended.Error != null, "the session's own error: " + ended);
                    Assert.Equal("VmLost", ended.Error.Code, "its code");
                    Assert.Equal("The VM went away.", ended.Error.Message, "its message");
                    Assert.True(ended.Exception == null, "not a failure of the keeper: " + ended.Exception);
                    Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(Patience), "Completion ended");
                    Assert.Equal(TaskStatus.RanToCompletion, keeper.Completion.Status, "a session that ended completes the keeper");
                    Assert.Equal("ended", recorder.Kinds(), "one event");
                }
            }
        }

        [Test]
        public static void Bad_keeper_options_throw_ArgumentException_before_anything_starts()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                Assert.Throws<ArgumentException>(() => client.KeepSession("s", new KeepSessionOptions { MaxTotal = TimeSpan.FromHours(25) }), "cap beyond 24 h");
                Assert.Throws<ArgumentException>(() => client.KeepSession("s", new KeepSessionOptions { ExtendBy = TimeSpan.Zero }), "extend by nothing");
                Assert.Throws<ArgumentException>(() => client.KeepSession("s", new KeepSessionOptions { ExtendBy = TimeSpan.FromSeconds(90) }), "not whole minutes");
                Assert.Throws<ArgumentException>(() => client.KeepSession("bad id with spaces"), "bad session id");
                using (var cts = new CancellationTokenSource())
                {
                    cts.Cancel();
                    SessionKeeper keeper = client.KeepSession("s", null, cts.Token);
                    EndsCancelled(keeper.Completion, "a cancelled token starts nothing");
                }
            }
        }

        private sealed class ScriptedKeeper : SessionKeeper
        {
            internal ScriptedKeeper(string id)
                : base(id)
            {
            }

            internal void Raise(KeepSessionEventArgs e)
            {
                OnChanged(e);
            }

            internal void Stop(Exception error)
            {
                OnStopped(error);
            }
        }

        [Test]
        public static void A_mock_keeper_raises_scripted_events_and_completes()
        {
            var keeper = new ScriptedKeeper("mock");
            var recorder = new Recorder(keeper);
            keeper.Raise(new KeepSessionEventArgs("mock", KeepSessionEventKind.Extended, from: TimeSpan.FromMinutes(60), to: TimeSpan.FromMinutes(90)));
            keeper.Raise(new KeepSessionEventArgs("mock", "somethingNew"));
            keeper.Stop(null);
            Assert.True(keeper.Completion.Wait(Patience), "completed");
            recorder.WaitFor("somethingNew");
            Assert.Equal("extended,somethingNew", recorder.Kinds(), "unknown kinds are kept as they are");
            var cancelled = new ScriptedKeeper("mock");
            cancelled.Cancel();
            EndsCancelled(cancelled.Completion, "a mock's Cancel");
        }
    }
}
