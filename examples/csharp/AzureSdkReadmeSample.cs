// The session steps of the README of Microsoft's .NET SDK (Azure.MixedReality.RemoteRendering), written
// against that SDK's API. Moving it to this package changed only the using lines:
//     using Azure;                                -> using ArrSession.Azure;   (AzureKeyCredential, Response<T>,
//     using Azure.Core;                           ->                            RequestFailedException, AccessToken)
//     using Azure.MixedReality.RemoteRendering;   -> using ArrSession;
//
//   mono AzureSdkReadmeSample.exe <endpoint URL> <account id> <account domain> <account key> [<STS URL>]
using System;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

public static class AzureSdkReadmeSample
{
    public static int Main(string[] args)
    {
        Uri remoteRenderingEndpoint = new Uri(args[0]);
        Guid accountId = new Guid(args[1]);
        string accountDomain = args[2];
        AzureKeyCredential accountKeyCredential = new AzureKeyCredential(args[3]);
        RemoteRenderingClientOptions options = new RemoteRenderingClientOptions();
        if (args.Length > 4)
        {
            options.AuthenticationEndpoint = new Uri(args[4]);
        }

        RemoteRenderingClient client = new RemoteRenderingClient(remoteRenderingEndpoint, accountId, accountDomain, accountKeyCredential, options);

        // Start a session and wait until it is ready.
        RenderingSessionOptions sessionOptions = new RenderingSessionOptions(TimeSpan.FromMinutes(30), RenderingServerSize.Standard);
        string sessionId = Guid.NewGuid().ToString();
        StartRenderingSessionOperation startSessionOperation = client.StartSession(sessionId, sessionOptions);
        RenderingSession newSession = startSessionOperation.WaitForCompletionAsync().Result;
        if (newSession.Status == RenderingSessionStatus.Ready)
        {
            Console.WriteLine($"Session {sessionId} is ready at {newSession.Host}.");
        }
        else if (newSession.Status == RenderingSessionStatus.Error)
        {
            Console.WriteLine($"Session {sessionId} encountered an error: {newSession.Error.Code} {newSession.Error.Message}");
            return 1;
        }

        // Extend the lease of the session.
        RenderingSession currentSession = client.GetSession(sessionId);
        if (currentSession.MaxLeaseTime - currentSession.ElapsedTime < TimeSpan.FromMinutes(60))
        {
            int totalLeaseMinutes = (int)currentSession.MaxLeaseTime.Value.TotalMinutes + 30;
            UpdateSessionOptions longerLeaseSettings = new UpdateSessionOptions(TimeSpan.FromMinutes(totalLeaseMinutes));
            client.UpdateSession(sessionId, longerLeaseSettings);
            Console.WriteLine($"Lease of {sessionId} extended to {totalLeaseMinutes} minutes.");
        }

        // List the sessions.
        foreach (var properties in client.GetSessions())
        {
            if (properties.Status == RenderingSessionStatus.Starting)
            {
                Console.WriteLine($"Session \"{properties.SessionId}\" is starting.");
            }
            else if (properties.Status == RenderingSessionStatus.Ready)
            {
                Console.WriteLine($"Session \"{properties.SessionId}\" is ready at host {properties.Host}.");
            }
        }

        // Stop the session.
        client.StopSession(sessionId);
        Console.WriteLine($"Session {sessionId} is {client.GetSession(sessionId).Value.Status}.");

        // The same with the async methods; failures are RequestFailedExceptions with the HTTP status.
        AsyncSteps(client).GetAwaiter().GetResult();
        return 0;
    }

    private static async Task AsyncSteps(RemoteRenderingClient client)
    {
        string sessionId = Guid.NewGuid().ToString();
        StartRenderingSessionOperation operation = await client.StartSessionAsync(
            sessionId, new RenderingSessionOptions(TimeSpan.FromMinutes(10), RenderingServerSize.Standard));
        Response<RenderingSession> ready = await operation.WaitForCompletionAsync();
        Console.WriteLine($"Async session {operation.Id} is {ready.Value.Status} (HTTP {ready.GetRawResponse().Status}).");
        RenderingSession session = await client.UpdateSessionAsync(sessionId, new UpdateSessionOptions(TimeSpan.FromMinutes(20)));
        Console.WriteLine($"Async lease is {session.MaxLeaseTime.Value.TotalMinutes} minutes.");
        await client.StopSessionAsync(sessionId);
        try
        {
            await client.GetSessionAsync("no-such-session");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Console.WriteLine("Unknown sessions answer HTTP 404.");
        }
    }
}
