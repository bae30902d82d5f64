using System;
using System.IO;
using System.Linq;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>What users asked for around sessions (issue #35) from C#: costs, capacity fallback, the call history.</summary>
    internal static class NeedsTests
    {
        private const string Prices = "{\"currency\":\"USD\",\"perHour\":{\"Standard\":3.0,\"Premium\":12.0}}";

        private static readonly SessionWaitOptions QuickWait = new SessionWaitOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(50),
            Timeout = TimeSpan.FromSeconds(30),
        };

        [Test]
        public static void Costs_are_billed_from_creation_and_priced_per_size()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = Fixture.NewId("cost");
                client.StartSession(id, Fixture.Standard(240)).WaitForCompletion(QuickWait);
                emulator.Http("POST", "/_emulator/clock/advance", "{\"minutes\":30}");
                SessionCostSummary costs = client.ListSessionCosts(Prices);
                SessionCost mine = costs.Sessions.Single(s => s.SessionId == id);
                Assert.True(mine.BilledMinutes >= 30 && mine.BilledMinutes <= 32, "billed from creation: " + mine.BilledMinutes);
                Assert.Equal(mine.BilledMinutes * 3.0 / 60, mine.Cost, "priced per Standard hour");
                Assert.Equal("USD", costs.Currency, "the currency");
                Assert.Equal(null, client.ListSessionCosts().TotalCost, "no prices, no cost");
                var error = Assert.Throws<ArgumentException>(
                    () => client.ListSessionCosts("{\"perHour\":{\"Standard\":-1}}"), "a negative price is refused");
                Assert.True(error.Message.Contains("prices.perHour.Standard"), "the error names the key: " + error.Message);
            }
        }

        [Test]
        public static void A_session_without_capacity_falls_back_to_the_next_size()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                emulator.Fault("sessions.create", "{\"kind\":\"sessionError\",\"code\":\"CapacityExceeded\"}", 1);
                string id = Fixture.NewId("fb");
                CapacityFallbackResult result = client.StartSessionWithFallback(
                    id, Fixture.Standard(30), new[] { "Premium" }, QuickWait);
                Assert.Equal(id + "-2", result.Session.SessionId, "the fallback session is Ready");
                Assert.Equal("Premium", result.Session.Size.ToString(), "of the next size");
                Assert.Equal(1, result.Fallbacks.Count, "one step");
                Assert.Equal(id, result.Fallbacks[0].FailedSessionId, "naming the failed session");
                Assert.Equal("CapacityExceeded", result.Fallbacks[0].Code, "and why");
                Assert.True(!emulator.Sessions().Contains("\"id\":\"" + id + "\",\"status\":\"Ready\""), "the failed one is not running");
            }
        }

        [Test]
        public static void A_keeper_with_a_budget_stops_renewing_at_it()
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
            using (RemoteRenderingClient client = emulator.Client())
            {
                string id = Fixture.NewId("budget");
                client.StartSession(id, Fixture.Standard(20)).WaitForCompletion(QuickWait);
                var options = new KeepSessionOptions
                {
                    ExtendBy = TimeSpan.FromMinutes(30),
                    RenewBelow = TimeSpan.FromMinutes(1440),
                    PollInterval = TimeSpan.FromMilliseconds(50),
                    BudgetAmount = 2.25,
                    PricesJson = Prices,
                };
                using (SessionKeeper keeper = client.KeepSession(id, options))
                {
                    var recorder = new KeeperTests.Recorder(keeper);
                    KeepSessionEventArgs reached = recorder.WaitFor(KeepSessionEventKind.BudgetReached);
                    double lease = reached.Lease.Value.TotalMinutes;
                    // 2.25 USD at 3 USD an hour buys 45 billed minutes.
                    Assert.True(lease >= 43 && lease <= 45, "the lease stops within the budget: " + lease);
                    Assert.Equal(lease, client.GetSession(id).Value.MaxLeaseTime.Value.TotalMinutes, "the service has it");
                }
            }
        }

        [Test]
        public static void The_call_history_has_every_call_with_its_ms_cv()
        {
            string path = Path.Combine(Path.GetTempPath(), "arr-needs-cs-" + Guid.NewGuid().ToString("N") + ".jsonl");
            try
            {
                using (Emulator emulator = Fixture.Fresh("--start-delay", "200ms"))
                {
                    RemoteRenderingClientOptions options = emulator.Options();
                    options.CallHistoryPath = path;
                    string id = Fixture.NewId("hist");
                    using (RemoteRenderingClient client = emulator.Client(options))
                    {
                        client.StartSession(id, Fixture.Standard(30));
                        client.GetSession(id);
                    }
                    string[] lines = File.ReadAllLines(path);
                    Assert.Equal(2, lines.Count(l => l.Contains("\"sessionId\":\"" + id + "\"") && l.Contains("\"msCv\":\"")),
                        "the create and the get, each with its MS-CV");
                    Assert.True(lines.Any(l => l.Contains("\"route\":\"sts.token\"")), "the STS exchange too");
                    Assert.True(!File.ReadAllText(path).Contains("?"), "no query string");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
