// The conversion steps of the README of Microsoft's .NET SDK (Azure.MixedReality.RemoteRendering), written
// against that SDK's API: convert a simple asset, convert one organised under blob prefixes, wait for the
// output, list the conversions of the last day. Moving it to this package changed only the using lines:
//     using Azure;                                -> using ArrSession.Azure;
//     using Azure.MixedReality.RemoteRendering;   -> using ArrSession;
//
//   mono AzureSdkConversionSample.exe <endpoint URL> <account id> <account domain> <account key> <STS URL|-> \
//        <input container URL> [<output container URL>]
// The storage containers must be linked to the account (no SAS is passed here).
using System;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;

public static class AzureSdkConversionSample
{
    public static int Main(string[] args)
    {
        Uri remoteRenderingEndpoint = new Uri(args[0]);
        Guid accountId = new Guid(args[1]);
        string accountDomain = args[2];
        AzureKeyCredential accountKeyCredential = new AzureKeyCredential(args[3]);
        RemoteRenderingClientOptions options = new RemoteRenderingClientOptions();
        if (args[4] != "-")
        {
            options.AuthenticationEndpoint = new Uri(args[4]);
        }
        Uri storageUri = new Uri(args[5]);
        Uri outputStorageUri = args.Length > 6 ? new Uri(args[6]) : storageUri;

        RemoteRenderingClient client = new RemoteRenderingClient(remoteRenderingEndpoint, accountId, accountDomain, accountKeyCredential, options);

        // Convert box.fbx from the root of the container; the output goes beside it.
        AssetConversionInputOptions inputOptions = new AssetConversionInputOptions(storageUri, "box.fbx");
        AssetConversionOutputOptions outputOptions = new AssetConversionOutputOptions(storageUri);
        AssetConversionOptions conversionOptions = new AssetConversionOptions(inputOptions, outputOptions);
        string conversionId = Guid.NewGuid().ToString();
        AssetConversionOperation conversionOperation = client.StartConversion(conversionId, conversionOptions);
        Console.WriteLine($"Conversion {conversionOperation.Id} started.");

        // Wait for it (the SDK polls every 10 seconds) and print where the asset went, or why it failed.
        AssetConversion conversion = conversionOperation.WaitForCompletionAsync().Result;
        if (conversion.Status == AssetConversionStatus.Succeeded)
        {
            Console.WriteLine($"Conversion succeeded: Output written to {conversion.Output.OutputAssetUri}");
        }
        else if (conversion.Status == AssetConversionStatus.Failed)
        {
            Console.WriteLine($"Conversion failed: {conversion.Error.Code} {conversion.Error.Message}");
            return 1;
        }

        // A model among other files: only the blobs under "Bicycle" are read, the output gets its own prefix.
        AssetConversionInputOptions bicycleInput = new AssetConversionInputOptions(storageUri, "bicycle.gltf")
        {
            BlobPrefix = "Bicycle"
        };
        AssetConversionOutputOptions bicycleOutput = new AssetConversionOutputOptions(outputStorageUri)
        {
            BlobPrefix = "ConvertedBicycle"
        };
        AssetConversionOperation bicycleOperation = client.StartConversion(Guid.NewGuid().ToString(), new AssetConversionOptions(bicycleInput, bicycleOutput));
        AssetConversion bicycle = bicycleOperation.WaitForCompletionAsync().Result;
        Console.WriteLine($"Bicycle conversion {bicycle.Status}: {bicycle.Output?.OutputAssetUri}");

        // A conversion whose input is not there completes as Failed, with the service's error (no exception).
        AssetConversionOperation missingOperation = client.StartConversion(Guid.NewGuid().ToString(),
            new AssetConversionOptions(new AssetConversionInputOptions(storageUri, "missing/house.fbx"), new AssetConversionOutputOptions(storageUri)));
        AssetConversion missing = missingOperation.WaitForCompletionAsync().Result;
        if (missing.Status == AssetConversionStatus.Failed)
        {
            Console.WriteLine($"Conversion failed: {missing.Error.Code} {missing.Error.Message}");
        }

        // The output URIs of the conversions that succeeded in the last day.
        foreach (var listed in client.GetConversions())
        {
            if ((listed.Status == AssetConversionStatus.Succeeded) && (listed.CreatedOn > DateTimeOffset.Now.AddDays(-1)))
            {
                Console.WriteLine($"output asset URI: {listed.Output.OutputAssetUri}");
            }
        }

        // The same with the async methods; an unknown conversion is a RequestFailedException with HTTP 404.
        AsyncSteps(client, storageUri).GetAwaiter().GetResult();
        return 0;
    }

    private static async Task AsyncSteps(RemoteRenderingClient client, Uri storageUri)
    {
        AssetConversionOptions conversionOptions = new AssetConversionOptions(
            new AssetConversionInputOptions(storageUri, "box.fbx"), new AssetConversionOutputOptions(storageUri) { OutputAssetFilename = "asyncBox.arrAsset" });
        AssetConversionOperation operation = await client.StartConversionAsync(Guid.NewGuid().ToString(), conversionOptions);
        Response<AssetConversion> done = await operation.WaitForCompletionAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        Console.WriteLine($"Async conversion {operation.Id} is {done.Value.Status}: {done.Value.Output.OutputAssetUri}");
        AssetConversion again = await client.GetConversionAsync(operation.Id);
        Console.WriteLine($"Async get: {again.Status}");
        try
        {
            await client.GetConversionAsync("no-such-conversion");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            Console.WriteLine("Unknown conversions answer HTTP 404.");
        }
    }
}
