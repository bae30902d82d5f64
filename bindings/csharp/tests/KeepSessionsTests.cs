using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;

namespace ArrSession.Tests
{
    /// <summary>One keeper for many sessions (<see cref="RemoteRenderingClient.KeepSessions"/>, <c>arr_client_keep_sessions</c>).</summary>
    internal static class KeepSessionsTests
    {
        [Test]
        public static void Keeping_three_sessions_costs_about_one_list_request_per_poll()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "0s"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                var ids = new List<string>();
                for (int i = 0; i < 3; i++)
                {
                    ids.Add(KeeperTests.ReadySession(emulator, client, "many"));
                }
                int lists = emulator.Count("sessions.list"), gets = emulator.Count("sessions.get");
                using (SessionKeeper keeper = client.KeepSessions(ids, new KeepSessionOptions { PollInterval = TimeSpan.FromMilliseconds(200) }))
                {
                    Assert.True(keeper.SessionIds.SequenceEqual(ids) && keeper.SessionId == null, "SessionIds, and no one SessionId");
                    Thread.Sleep(1100);
                    keeper.Cancel();
                    Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(KeeperTests.Patience), "Completion ended");
                    Assert.True(keeper.Completion.IsCanceled, "cancelled: " + keeper.Completion.Status);
                }
                lists = emulator.Count("sessions.list") - lists;
                gets = emulator.Count("sessions.get") - gets;
                Assert.True(lists >= 3 && lists <= 8 && gets == 0, "about one list per poll for the three (" + lists + " lists, " + gets + " gets)");
                foreach (string id in ids)
                {
                    client.StopSession(id);
                }
            }
        }

        [Test]
        public static async Task A_keeper_of_many_completes_once_every_session_ended_or_failed()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                string known = KeeperTests.ReadySession(emulator, client, "known");
                string unknown = Fixture.NewId("unknown");
                SessionKeeper keeper = client.KeepSessions(new[] { known, unknown }, KeeperTests.Fast());
                var recorder = new KeeperTests.Recorder(keeper);
                KeepSessionEventArgs failed = recorder.WaitFor(KeepSessionEventKind.Failed);
                Assert.Equal(unknown, failed.SessionId, "the failed event names its session");
                var error = failed.Exception as RemoteRenderingException;
                Assert.True(error != null && error.ArrStatus == ArrStatus.NotFound && error.Status == 404, "NotFound: " + failed.Exception);
                Assert.Equal(emulator.LoggedMsCv("GET", "/sessions/" + unknown, 404), error.MsCv, "its MS-CV");
                Assert.True(!keeper.Completion.IsCompleted, "the other session is still kept");
                await client.StopSessionAsync(known);
                KeepSessionEventArgs ended = recorder.WaitFor(KeepSessionEventKind.Ended);
                Assert.Equal(known, ended.SessionId, "the ended event names its session");
                Assert.Equal(RenderingSessionStatus.Stopped, ended.Status.Value, "ended as");
                Assert.True(((IAsyncResult)keeper.Completion).AsyncWaitHandle.WaitOne(KeeperTests.Patience), "Completion ended");
                Assert.Equal(TaskStatus.RanToCompletion, keeper.Completion.Status, "no session left: the normal end, a failure among them or not");
            }
        }

        [Test]
        public static void A_keeper_of_many_with_one_unknown_id_completes_while_KeepSession_of_it_faults_with_NotFound()
        {
            Emulator emulator = Fixture.Fast;
            using (RemoteRenderingClient client = emulator.Client())
            {
                string unknown = Fixture.NewId("alone");
                SessionKeeper many = client.KeepSessions(new[] { unknown }, KeeperTests.Fast());
                var recorder = new KeeperTests.Recorder(many);
                KeepSessionEventArgs failed = recorder.WaitFor(KeepSessionEventKind.Failed);
                var error = failed.Exception as RemoteRenderingException;
                Assert.True(error != null && error.ArrStatus == ArrStatus.NotFound && error.Status == 404, "NotFound: " + failed.Exception);
                Assert.True(((IAsyncResult)many.Completion).AsyncWaitHandle.WaitOne(KeeperTests.Patience), "Completion ended");
                Assert.Equal(TaskStatus.RanToCompletion, many.Completion.Status, "a keeper of many leaves failures to the events, even with one id");
                Assert.Equal("failed", recorder.Kinds(), "one event");

                SessionKeeper one = client.KeepSession(unknown, KeeperTests.Fast());
                Assert.True(((IAsyncResult)one.Completion).AsyncWaitHandle.WaitOne(KeeperTests.Patience), "Completion ended");
                Assert.True(one.Completion.IsFaulted, "a keeper of one session faults: " + one.Completion.Status);
                var notFound = one.Completion.Exception.InnerException as RemoteRenderingException;
                Assert.True(notFound != null && notFound.ArrStatus == ArrStatus.NotFound && notFound.Status == 404,
                    "NotFound: " + one.Completion.Exception.InnerException);
            }
        }

        private static IEnumerable<string> Counted(string[] ids, int[] enumerations)
        {
            enumerations[0]++;
            foreach (string id in ids)
            {
                yield return id;
            }
        }

        [Test]
        public static void The_ids_are_enumerated_once()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();   // nothing starts; the ids are read all the same
                var enumerations = new int[1];
                var ids = new[] { "once-a", "once-b" };
                SessionKeeper keeper = client.KeepSessions(Counted(ids, enumerations), null, cts.Token);
                Assert.Equal(1, enumerations[0], "enumerations of the caller's ids");
                Assert.True(keeper.SessionIds.SequenceEqual(ids), "SessionIds: " + string.Join(",", keeper.SessionIds));
            }
        }

        [Test]
        public static void Bad_lists_throw_before_anything_starts()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                Assert.Throws<ArgumentNullException>(() => client.KeepSessions(null), "null");
                Assert.Throws<ArgumentException>(() => client.KeepSessions(new string[0]), "empty");
                Assert.Throws<ArgumentException>(() => client.KeepSessions(new[] { "a/b" }), "a bad id");
                Assert.Throws<ArgumentException>(() => client.KeepSessions(new[] { "a", null }), "a null id");
            }
        }
    }
}
