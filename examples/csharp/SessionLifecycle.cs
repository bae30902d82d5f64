// A rendering session's life: start, wait until Ready, renew the lease, list, stop.
//
// Against the local emulator (see README.md):
//   mono SessionLifecycle.exe http://127.0.0.1:PORT
// Against Azure: set ARR_ENDPOINT (e.g. westus2), ARR_ACCOUNT_DOMAIN, ARR_ACCOUNT_ID and ARR_ACCOUNT_KEY.
using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

internal static class SessionLifecycle
{
    // The emulator's well-known development account (like Azurite's).
    private const string DevAccountId = "11111111-1111-1111-1111-111111111111";
    private const string DevAccountKey = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==";

    private static int Main(string[] args)
    {
        try
        {
            Run(args).GetAwaiter().GetResult();
            return 0;
        }
        catch (RemoteRenderingException e)
        {
            Console.Error.WriteLine("failed: " + e.ArrStatus + " (HTTP " + e.Status + ", MS-CV " + e.MsCv + "): " + e.Message);
            return 1;
        }
    }

    private static RemoteRenderingClient CreateClient(string[] args)
    {
        if (args.Length > 0)
        {
            // The emulator serves the STS and the rendering API on one base URL.
            var endpoint = new Uri(args[0]);
            return new RemoteRenderingClient(endpoint, new Guid(DevAccountId), null, new AzureKeyCredential(DevAccountKey),
                new RemoteRenderingClientOptions { AuthenticationEndpoint = endpoint });
        }
        return new RemoteRenderingClient(
            new Uri(Environment.GetEnvironmentVariable("ARR_ENDPOINT")),
            new Guid(Environment.GetEnvironmentVariable("ARR_ACCOUNT_ID")),
            Environment.GetEnvironmentVariable("ARR_ACCOUNT_DOMAIN"),
            new AzureKeyCredential(Environment.GetEnvironmentVariable("ARR_ACCOUNT_KEY")),
            // Stops the session when the client is disposed or the process exits, should the finally below not run.
            new RemoteRenderingClientOptions { StopOwnedSessionsOnClose = true });
    }

    private static async Task Run(string[] args)
    {
        ArrLog.SetSink((level, target, message) => Console.WriteLine("  log " + level + " " + message), ArrLogLevel.Info);
        Console.WriteLine("arr-session " + ArrRuntime.NativeVersion);
        using (RemoteRenderingClient client = CreateClient(args))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15)))
        {
            var options = new RenderingSessionOptions(TimeSpan.FromMinutes(30), RenderingServerSize.Standard);
            StartRenderingSessionOperation start = await client.StartSessionAsync("example-" + Guid.NewGuid().ToString("N"), options, timeout.Token);
            Console.WriteLine("started " + start.Id + ": " + start.LastSession.Status);
            try
            {
                // Cancelling this wait (timeout) would stop waiting only; the finally block stops the session.
                RenderingSession ready = await start.WaitForCompletionAsync(timeout.Token);
                if (ready.Status != RenderingSessionStatus.Ready)
                {
                    throw new RemoteRenderingException("the session ended as " + ready.Status + ": " + ready.Error);
                }
                Console.WriteLine("ready at " + ready.Host + ":" + ready.HandshakePort);

                RenderingSession renewed = await client.ExtendSessionAsync(ready.SessionId, TimeSpan.FromMinutes(15), timeout.Token);
                Console.WriteLine("lease now " + renewed.MaxLeaseTime.Value.TotalMinutes + " minutes");

                // While the app uses the session, a keeper renews its lease before it runs out (never beyond
                // MaxTotal). If the app dies, the renewals stop and the session ends with its lease.
                SessionKeeper keeper = client.KeepSession(ready.SessionId, new KeepSessionOptions { MaxTotal = TimeSpan.FromHours(2) }, timeout.Token);
                keeper.Changed += (sender, e) => Console.WriteLine("keeper: " + e);
                Console.WriteLine("keeping " + keeper.SessionId + " alive");
                foreach (RenderingSession session in await client.GetSessionsAsync(timeout.Token))
                {
                    Console.WriteLine("listed " + session.SessionId + " " + session.Status + " " + session.Size);
                }
                keeper.Dispose();   // stops renewing; the lease stays as it is
                try
                {
                    await keeper.Completion;
                }
                catch (OperationCanceledException)
                {
                    Console.WriteLine("keeper stopped");
                }
            }
            finally
            {
                await client.StopSessionAsync(start.Id);
                Console.WriteLine("stopped " + start.Id + ": " + (await client.GetSessionAsync(start.Id)).Value.Status);
            }
        }
    }
}
