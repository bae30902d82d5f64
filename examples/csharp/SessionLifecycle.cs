// A rendering session's life: start, wait until Ready, renew the lease, list, stop.
//
// Against the local emulator (see README.md):
//   mono SessionLifecycle.exe http://127.0.0.1:PORT
// Against Azure: set ARR_ENDPOINT (e.g. westus2), ARR_ACCOUNT_DOMAIN, ARR_ACCOUNT_ID and ARR_ACCOUNT_KEY.
using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;

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
            Console.Error.WriteLine("failed: " + e.Status + " (HTTP " + e.HttpStatus + ", MS-CV " + e.MsCv + "): " + e.Message);
            return 1;
        }
    }

    private static RemoteRenderingClientOptions Options(string[] args)
    {
        if (args.Length > 0)
        {
            // The emulator serves the STS and the rendering API on one base URL.
            return new RemoteRenderingClientOptions
            {
                Endpoint = args[0], StsEndpoint = args[0], AccountId = DevAccountId, AccountKey = DevAccountKey,
            };
        }
        return new RemoteRenderingClientOptions
        {
            Endpoint = Environment.GetEnvironmentVariable("ARR_ENDPOINT"),
            AccountDomain = Environment.GetEnvironmentVariable("ARR_ACCOUNT_DOMAIN"),
            AccountId = Environment.GetEnvironmentVariable("ARR_ACCOUNT_ID"),
            AccountKey = Environment.GetEnvironmentVariable("ARR_ACCOUNT_KEY"),
        };
    }

    private static async Task Run(string[] args)
    {
        ArrLog.SetSink((level, target, message) => Console.WriteLine("  log " + level + " " + message), ArrLogLevel.Info);
        Console.WriteLine("arr-session " + ArrRuntime.NativeVersion);
        using (var client = new RemoteRenderingClient(Options(args)))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15)))
        {
            var options = new RenderingSessionOptions(TimeSpan.FromMinutes(30), RenderingServerSize.Standard);
            StartRenderingSessionOperation start = await client.StartSessionAsync("example-" + Guid.NewGuid().ToString("N"), options, timeout.Token);
            Console.WriteLine("started " + start.SessionId + ": " + start.LastSession.Status);
            try
            {
                // Cancelling this wait (timeout) would stop waiting only; the finally block stops the session.
                RenderingSession ready = await start.WaitForCompletionAsync(timeout.Token);
                Console.WriteLine("ready at " + ready.Hostname + ":" + ready.HandshakePort);

                RenderingSession renewed = await client.ExtendSessionAsync(ready.Id, TimeSpan.FromMinutes(15), timeout.Token);
                Console.WriteLine("lease now " + renewed.MaxLeaseTimeMinutes + " minutes");

                foreach (RenderingSession session in await client.GetSessionsAsync(timeout.Token))
                {
                    Console.WriteLine("listed " + session.Id + " " + session.Status + " " + session.Size);
                }
            }
            finally
            {
                await client.StopSessionAsync(start.SessionId);
                Console.WriteLine("stopped " + start.SessionId + ": " + (await client.GetSessionAsync(start.SessionId)).Status);
            }
        }
    }
}
