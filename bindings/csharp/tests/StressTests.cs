using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    internal static class StressTests
    {
        [Test]
        public static void A_thousand_calls_from_eight_threads_on_one_client()
        {
            const int Threads = 8, PerThread = 125;
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                string id = client.StartSession(Fixture.NewId("stress"), Fixture.Standard()).Id;
                int ok = 0;
                var failures = new List<string>();
                var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
                {
                    for (int i = 0; i < PerThread; i++)
                    {
                        try
                        {
                            // Alternate blocking and async forms, and two kinds of calls.
                            RenderingSession session;
                            if ((i + t) % 2 == 0)
                            {
                                session = client.GetSession(id);
                            }
                            else
                            {
                                session = client.GetSessionAsync(id).Result;
                            }
                            if (session.SessionId == id)
                            {
                                Interlocked.Increment(ref ok);
                            }
                        }
                        catch (Exception e)
                        {
                            lock (failures)
                            {
                                failures.Add(e.GetBaseException().Message);
                            }
                        }
                    }
                })).ToList();
                threads.ForEach(th => th.Start());
                threads.ForEach(th => th.Join());
                Assert.Equal(0, failures.Count, "failures: " + string.Join("; ", failures.Take(3).ToArray()));
                Assert.Equal(Threads * PerThread, ok, "successful calls");

                // And many async calls in flight at once on the same client.
                Task<Response<RenderingSession>>[] burst = Enumerable.Range(0, 200).Select(_ => client.GetSessionAsync(id)).ToArray();
                Assert.True(Task.WaitAll(burst, TimeSpan.FromSeconds(60)), "the burst completed");
                Assert.True(burst.All(b => b.Result.Value.SessionId == id), "every burst call succeeded");
                client.StopSession(id);
            }
        }
    }
}
