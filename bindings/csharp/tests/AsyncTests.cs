using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>Where awaits resume, cancellation, and disposal while operations are in flight.</summary>
    internal static class AsyncTests
    {
        [Test]
        public static void Awaits_resume_on_a_single_threaded_synchronization_context()
        {
            using (var context = new SingleThreadContext())
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                var seen = new List<string>();
                context.Run(async () =>
                {
                    StartRenderingSessionOperation op = await client.StartSessionAsync(Fixture.NewId("ctx"), Fixture.Standard());
                    seen.Add(Check(context, "after StartSessionAsync"));
                    await client.GetSessionAsync(op.Id);
                    seen.Add(Check(context, "after GetSessionAsync"));
                    await op.WaitForCompletionAsync(new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, CancellationToken.None);
                    seen.Add(Check(context, "after WaitForCompletionAsync"));
                    try
                    {
                        await client.GetSessionAsync("no-such-session");
                    }
                    catch (RemoteRenderingException)
                    {
                        seen.Add(Check(context, "after a failed await"));
                    }
                    await client.StopSessionAsync(op.Id);
                    seen.Add(Check(context, "after StopSessionAsync"));
                }).Wait(TimeSpan.FromSeconds(30));
                Assert.Equal(5, seen.Count, "every await resumed: " + string.Join(", ", seen));
            }
        }

        private static string Check(SingleThreadContext context, string where)
        {
            Assert.True(Thread.CurrentThread == context.Thread, where + ": resumed on thread '" + Thread.CurrentThread.Name + "'");
            Assert.True(SynchronizationContext.Current == context, where + ": context kept");
            return where;
        }

        [Test]
        public static void Callbacks_never_run_continuations_on_the_library_thread()
        {
            // RunContinuationsAsynchronously: a synchronous continuation still runs off the callback thread,
            // so user code cannot block the library's callback thread or re-enter it.
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                Task<Pageable<RenderingSession>> task = client.GetSessionsAsync().AsTask();
                bool onCallbackThread = true;
                task.ContinueWith(t => onCallbackThread = NativeCall.InCallback, TaskContinuationOptions.ExecuteSynchronously).Wait();
                Assert.True(!onCallbackThread, "a synchronous continuation ran inside the library callback");
            }
        }

        [Test]
        public static async Task Cancelling_a_wait_stops_waiting_but_not_the_session()
        {
            Emulator slow = Fixture.Slow;
            using (RemoteRenderingClient client = slow.Client())
            {
                StartRenderingSessionOperation op = await client.StartSessionAsync(Fixture.NewId("cancel"), Fixture.Standard());
                int stops = slow.Count("sessions.stop");
                using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
                {
                    DateTime started = DateTime.UtcNow;
                    var e = await Assert.ThrowsAsync<OperationCanceledException>(
                        () => op.WaitForCompletionAsync(new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, cts.Token),
                        "cancelled wait");
                    Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "the wait ended promptly");
                    Assert.Equal(cts.Token, e.CancellationToken, "cancelled by the caller's token");
                }
                Assert.Equal(RenderingSessionStatus.Starting, (await client.GetSessionAsync(op.Id)).Value.Status, "session still starting");
                Assert.Equal(stops, slow.Count("sessions.stop"), "no stop request was sent");
                await client.StopSessionAsync(op.Id);
            }
        }

        [Test]
        public static void An_already_cancelled_token_sends_nothing()
        {
            using (Emulator emulator = Fixture.Fresh())
            using (RemoteRenderingClient client = emulator.Client())
            {
                Task<Response<RenderingSession>> task = client.GetSessionAsync("anything", new CancellationToken(true));
                Assert.True(task.IsCanceled, "cancelled at once");
                Assert.Equal(0, emulator.TotalRequests(), "no request");
            }
        }

        [Test]
        public static async Task Cancelling_a_slow_request_completes_the_task_as_cancelled()
        {
            using (Emulator emulator = Fixture.Fresh())
            using (RemoteRenderingClient client = emulator.Client())
            {
                emulator.Fault("sessions.get", "{\"kind\":\"delay\",\"millis\":10000}", 1);
                using (var cts = new CancellationTokenSource())
                {
                    Task<Response<RenderingSession>> task = client.GetSessionAsync("slow-one", cts.Token);
                    await Task.Delay(200);
                    Assert.True(!task.IsCompleted, "still in flight");
                    cts.Cancel();
                    await Assert.ThrowsAsync<OperationCanceledException>(() => task, "cancelled");
                }
            }
        }

        [Test]
        public static void Disposing_the_client_cancels_pending_tasks_and_no_callback_follows()
        {
            Emulator slow = Fixture.Slow;
            RemoteRenderingClient client = slow.Client();
            string id = client.StartSession(Fixture.NewId("dispose"), Fixture.Standard()).Id;
            var wait = new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) };
            var tasks = new List<Task>();
            for (int i = 0; i < 10; i++)
            {
                tasks.Add(client.WaitForSessionReadyAsync(id, wait));
            }
            tasks.Add(client.WaitForSessionsAsync(new[] { id }, wait));
            Thread.Sleep(200);
            Assert.True(tasks.All(t => !t.IsCompleted), "all in flight");

            client.Dispose();
            long callbacks = NativeCall.CallbackCount;
            Assert.True(tasks.All(t => t.IsCanceled), "every pending task is cancelled when Dispose returns: "
                + string.Join(",", tasks.Select(t => t.Status.ToString()).ToArray()));
            Thread.Sleep(500);
            Assert.Equal(callbacks, NativeCall.CallbackCount, "no callback after Dispose returned");
            Assert.Throws<ObjectDisposedException>(() => client.GetSession(id), "blocking call after Dispose");
            Assert.Throws<ObjectDisposedException>(() => client.GetSessionAsync(id), "async call after Dispose");
            client.Dispose();

            using (RemoteRenderingClient other = slow.Client())
            {
                Assert.Equal(RenderingSessionStatus.Starting, other.GetSession(id).Value.Status, "disposing stops no session");
                other.StopSession(id);
            }
        }

        [Test]
        public static async Task Tasks_of_many_clients_complete_independently()
        {
            using (RemoteRenderingClient a = Fixture.Fast.Client())
            using (RemoteRenderingClient b = Fixture.Slow.Client())
            {
                string id = b.StartSession(Fixture.NewId("indep"), Fixture.Standard()).Id;
                Task<Response<RenderingSession>> pending = b.WaitForSessionReadyAsync(id);
                b.Dispose();
                Assert.True(pending.IsCanceled, "b's wait cancelled");
                Assert.True((await a.GetSessionsAsync()) != null, "a still works");
                using (RemoteRenderingClient c = Fixture.Slow.Client())
                {
                    await c.StopSessionAsync(id);
                }
            }
        }
    }
}
