using System;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>
    /// The five flows of the .NET SDK's live tests (<c>RemoteRenderingLiveTests</c> in azure-sdk-for-net),
    /// with their assertions, written again in C# 7 against this package (issue #33): our usings, a
    /// <c>foreach</c> over the awaited listing in place of <c>await foreach</c>, our <see cref="Assert"/> in
    /// place of NUnit's. Their test environment (an account and a storage account with a SAS) is ours:
    /// the emulator, and for conversions the storage fixture (Azurite linked to an emulator). Its model is
    /// <c>vehicles/car.glb</c> where theirs is <c>Input/testBox.fbx</c>, and its input and output are two
    /// containers with a SAS each where theirs is one container.
    /// </summary>
    internal static class MicrosoftLiveTests
    {
        /// <summary>
        /// Their conversion options with SAS access: the input <paramref name="path"/> under
        /// <paramref name="prefix"/> in the fixture's input container, the output under <c>Output</c> in its
        /// output container, each with the fixture's SAS.
        /// </summary>
        private static AssetConversionOptions WithSas(StorageFixture storage, string path, string prefix)
        {
            var input = new AssetConversionInputOptions(new Uri(storage.InputContainer), path)
            {
                StorageContainerReadListSas = storage.Settings.GetObject("inputLocation").GetString("storageContainerReadListSas"),
                BlobPrefix = prefix,
            };
            var output = new AssetConversionOutputOptions(new Uri(storage.OutputContainer))
            {
                StorageContainerWriteSas = storage.Settings.GetObject("outputLocation").GetString("storageContainerWriteSas"),
                BlobPrefix = "Output",
            };
            return new AssetConversionOptions(input, output);
        }

        [Test]
        public static async Task TestSimpleConversion()
        {
            StorageFixture storage = Fixture.Storage;
            using (RemoteRenderingClient client = storage.Client())
            {
                JsonObject inputLocation = storage.Settings.GetObject("inputLocation");
                AssetConversionOptions conversionOptions = WithSas(storage,
                    inputLocation.GetString("relativeInputAssetPath"), inputLocation.GetString("blobPrefix"));
                string conversionId = Guid.NewGuid().ToString();

                AssetConversionOperation conversionOperation = await client.StartConversionAsync(conversionId, conversionOptions);
                Assert.Equal(conversionId, conversionOperation.Id, "operation id");
                Assert.Equal(conversionOptions.InputOptions.RelativeInputAssetPath, conversionOperation.Value.Options.InputOptions.RelativeInputAssetPath,
                    "the operation's value right after the start: its input path");
                Assert.True(conversionOperation.Value.Status != AssetConversionStatus.Failed, "not failed at the start");

                AssetConversion conversion = await client.GetConversionAsync(conversionId);
                Assert.Equal(conversion.ConversionId, conversionId, "get: id");
                Assert.True(conversion.Status != AssetConversionStatus.Failed, "get: not failed");

                AssetConversion conversion2 = await conversionOperation.WaitForCompletionAsync();
                Assert.Equal(conversionId, conversion2.ConversionId, "waited: id");
                Assert.Equal(AssetConversionStatus.Succeeded, conversion2.Status, "waited: status");
                Assert.True(conversionOperation.Value.Output.OutputAssetUri.EndsWith("Output/car.arrAsset", StringComparison.Ordinal),
                    "the asset URI: " + conversionOperation.Value.Output.OutputAssetUri);

                bool foundConversion = false;
                foreach (AssetConversion s in await client.GetConversionsAync())
                {
                    if (s.ConversionId == conversionId)
                    {
                        foundConversion = true;
                    }
                }
                Assert.True(foundConversion, "listed");
            }
        }

        [Test]
        public static void TestFailedConversionsNoAccess()
        {
            StorageFixture storage = Fixture.Storage;
            using (RemoteRenderingClient client = storage.Client())
            {
                // A storage account that is not the one linked to the emulator (decided from the URI: nothing is sent there).
                var storageUri = new Uri("https://arrteststorage.blob.core.windows.net/test");
                var input = new AssetConversionInputOptions(storageUri, "testBox.fbx")
                {
                    // No SAS, and the account is not linked to this storage.
                    BlobPrefix = "Input",
                };
                var output = new AssetConversionOutputOptions(storageUri)
                {
                    BlobPrefix = "Output",
                };
                var conversionOptions = new AssetConversionOptions(input, output);
                string conversionId = Guid.NewGuid().ToString();

                RequestFailedException ex = Assert.ThrowsAsync<RequestFailedException>(
                    () => client.StartConversionAsync(conversionId, conversionOptions), "start without access").Result;
                Assert.Equal(403, ex.Status, "status");
                Assert.True(ex.Message.ToLower().Contains("storage"), "names the storage: " + ex.Message);
                Assert.True(ex.Message.ToLower().Contains("permissions"), "names the permissions: " + ex.Message);
            }
        }

        [Test]
        public static async Task TestFailedConversionsMissingAsset()
        {
            StorageFixture storage = Fixture.Storage;
            using (RemoteRenderingClient client = storage.Client())
            {
                AssetConversionOptions conversionOptions = WithSas(storage, "boxWhichDoesNotExist.fbx", "Input");
                string conversionId = Guid.NewGuid().ToString();

                AssetConversionOperation conversionOperation = await client.StartConversionAsync(conversionId, conversionOptions);
                AssetConversion conversion = await conversionOperation.WaitForCompletionAsync();
                Assert.Equal(AssetConversionStatus.Failed, conversion.Status, "status");
                Assert.True(conversion.Error != null, "an error");
                Assert.Equal(conversion.Error.Code, "InputContainerError", "error code");
                Assert.True(!string.IsNullOrEmpty(conversion.Error.Message), "an error message");
                Assert.True(conversion.Error.Message.Contains("Could not find the asset file in the storage account"), "the message: " + conversion.Error.Message);
            }
        }

        [Test]
        public static async Task TestSimpleSession()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                var options = new RenderingSessionOptions(TimeSpan.FromMinutes(4), RenderingServerSize.Standard);
                string sessionId = Guid.NewGuid().ToString();

                StartRenderingSessionOperation startSessionOperation = await client.StartSessionAsync(sessionId, options);
                Assert.True(startSessionOperation.HasValue, "the operation has the session right after the start");
                Assert.Equal(sessionId, startSessionOperation.Value.SessionId, "its id");

                RenderingSession sessionProperties = await client.GetSessionAsync(sessionId);
                Assert.Equal(startSessionOperation.Value.CreatedOn, sessionProperties.CreatedOn, "created on, as the start saw it");

                var updateOptions = new UpdateSessionOptions(TimeSpan.FromMinutes(5));
                RenderingSession updatedSession = await client.UpdateSessionAsync(sessionId, updateOptions);
                Assert.Equal(updatedSession.MaxLeaseTime, TimeSpan.FromMinutes(5), "updated lease");

                RenderingSession readyRenderingSession = await startSessionOperation.WaitForCompletionAsync();
                Assert.True(readyRenderingSession.MaxLeaseTime == TimeSpan.FromMinutes(4) || readyRenderingSession.MaxLeaseTime == TimeSpan.FromMinutes(5),
                    "lease 4 or 5 minutes: " + readyRenderingSession.MaxLeaseTime);
                Assert.True(readyRenderingSession.Host != null, "a host");
                Assert.True(readyRenderingSession.ArrInspectorPort != null, "an inspector port");
                Assert.True(readyRenderingSession.HandshakePort != null, "a handshake port");

                var updateOptions2 = new UpdateSessionOptions(TimeSpan.FromMinutes(6));
                Assert.Equal(TimeSpan.FromMinutes(6), updateOptions2.MaxLeaseTime, "update options keep their lease");

                bool foundSession = false;
                foreach (RenderingSession s in await client.GetSessionsAsync())
                {
                    if (s.SessionId == sessionId)
                    {
                        foundSession = true;
                    }
                }
                Assert.True(foundSession, "listed");
                await client.StopSessionAsync(sessionId);

                RenderingSession stoppedRenderingSession = await client.GetSessionAsync(sessionId);
                Assert.Equal(RenderingSessionStatus.Stopped, stoppedRenderingSession.Status, "stopped");
            }
        }

        [Test]
        public static void TestFailedSessionRequest()
        {
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                // An invalid request (negative lease time): the service refuses it.
                var options = new RenderingSessionOptions(TimeSpan.FromMinutes(-4), RenderingServerSize.Standard);
                string sessionId = Guid.NewGuid().ToString();

                RequestFailedException ex = Assert.ThrowsAsync<RequestFailedException>(
                    () => client.StartSessionAsync(sessionId, options), "start with a negative lease").Result;
                Assert.Equal(400, ex.Status, "status");
                Assert.True(ex.Message.ToLower().Contains("lease"), "names the lease: " + ex.Message);
                Assert.True(ex.Message.ToLower().Contains("negative"), "says negative: " + ex.Message);
            }
        }
    }
}
