using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;
using ArrSession.Azure;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>
    /// Asset conversions against the emulator (simulated storage: an input path containing "missing"
    /// fails with InputContainerError; a SAS must grant read, resp. write). <see cref="Fixture.Conversions"/>
    /// runs emulated time fast, so conversions finish within milliseconds; <see cref="Fixture.Slow"/> runs it
    /// at real speed (a conversion is NotStarted for 5 s, then Running for a minute).
    /// </summary>
    internal static class ConversionTests
    {
        private const string Container = "https://contosostorage01.blob.core.windows.net/arrinput";
        private const string OutContainer = "https://contosostorage01.blob.core.windows.net/arroutput";
        private const string ReadSas = "?sv=2021-08-06&sr=c&sp=rl&sig=READSIGNATUREzz9";
        private const string WriteSas = "?sv=2021-08-06&sr=c&sp=w&sig=WRITESIGNATUREqq7";

        // Conversions finish within milliseconds of emulated-fast time; poll often so the waits do too.
        private static readonly ConversionWaitOptions Poll = new ConversionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(50) };
        private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

        internal static AssetConversionOptions House(string path = "house.fbx")
        {
            var input = new AssetConversionInputOptions(new Uri(Container), path) { BlobPrefix = "models" };
            var output = new AssetConversionOutputOptions(new Uri(OutContainer)) { BlobPrefix = "out", OutputAssetFilename = "house.arrAsset" };
            return new AssetConversionOptions(input, output);
        }

        // ---- Without the emulator: the JSON sent and read ----

        [Test]
        public static void Options_become_the_rest_conversion_settings_and_tostring_hides_the_sas()
        {
            AssetConversionOptions options = House();
            options.InputOptions.StorageContainerReadListSas = ReadSas;
            options.OutputOptions.StorageContainerWriteSas = WriteSas;
            JsonObject settings = Json.ParseObject(options.ToSettingsJson());
            JsonObject input = settings.GetObject("inputLocation");
            JsonObject output = settings.GetObject("outputLocation");
            Assert.Equal(Container, input.GetString("storageContainerUri"), "input container (as written, no trailing slash)");
            Assert.Equal("models", input.GetString("blobPrefix"), "input prefix");
            Assert.Equal("house.fbx", input.GetString("relativeInputAssetPath"), "input path");
            Assert.Equal(ReadSas, input.GetString("storageContainerReadListSas"), "the read SAS is sent");
            Assert.Equal(OutContainer, output.GetString("storageContainerUri"), "output container");
            Assert.Equal("out", output.GetString("blobPrefix"), "output prefix");
            Assert.Equal("house.arrAsset", output.GetString("outputAssetFilename"), "output name");
            Assert.Equal(WriteSas, output.GetString("storageContainerWriteSas"), "the write SAS is sent");
            foreach (string text in new[] { options.ToString(), options.InputOptions.ToString(), options.OutputOptions.ToString() })
            {
                Assert.True(!text.Contains("SIGNATURE") && !text.Contains("sig="), "no SAS in " + text);
            }
            Assert.True(options.InputOptions.ToString().Contains("SAS: (set)"), "ToString says a SAS is set: " + options.InputOptions);

            JsonObject bare = Json.ParseObject(House().ToSettingsJson());
            Assert.True(!bare.GetObject("inputLocation").ContainsKey("storageContainerReadListSas"), "no SAS member without a SAS");
            Assert.True(!bare.GetObject("outputLocation").ContainsKey("storageContainerWriteSas"), "no SAS member without a SAS");
        }

        [Test]
        public static void The_services_conversion_json_reads_into_the_sdk_model()
        {
            // The shape of the spec's GetConversion example (protocol.md section 4.2).
            AssetConversion c = AssetConversion.Parse(
                "{\"id\":\"c-1\",\"creationTime\":\"2021-01-01T11:11:11.111Z\",\"settings\":{\"inputLocation\":{\"storageContainerUri\":"
                + "\"https://a.blob.core.windows.net/in\",\"blobPrefix\":\"models/\",\"relativeInputAssetPath\":\"house.fbx\"},"
                + "\"outputLocation\":{\"storageContainerUri\":\"https://a.blob.core.windows.net/out\",\"blobPrefix\":\"o/\","
                + "\"outputAssetFilename\":\"h.arrAsset\"}},\"status\":\"Succeeded\",\"error\":null,"
                + "\"output\":{\"outputAssetUri\":\"https://a.blob.core.windows.net/out/o/h.arrAsset\"}}");
            Assert.Equal("c-1", c.ConversionId, "id");
            Assert.True(c.Status == AssetConversionStatus.Succeeded, "status " + c.Status);
            Assert.Equal(new DateTimeOffset(2021, 1, 1, 11, 11, 11, 111, TimeSpan.Zero), c.CreatedOn, "created");
            Assert.Equal("https://a.blob.core.windows.net/out/o/h.arrAsset", c.Output.OutputAssetUri, "output");
            Assert.True(c.Error == null, "no error");
            Assert.Equal("https://a.blob.core.windows.net/in", c.Options.InputOptions.StorageContainerUri.OriginalString, "input container");
            Assert.Equal("models/", c.Options.InputOptions.BlobPrefix, "input prefix");
            Assert.Equal("house.fbx", c.Options.InputOptions.RelativeInputAssetPath, "input path");
            Assert.Equal("h.arrAsset", c.Options.OutputOptions.OutputAssetFilename, "output name");
            Assert.True(c.Options.InputOptions.StorageContainerReadListSas == null, "no SAS comes back");

            AssetConversion failed = AssetConversion.Parse(
                "{\"id\":\"c-2\",\"creationTime\":\"2024-05-02T01:02:03.1234567Z\",\"settings\":{\"inputLocation\":{\"storageContainerUri\":"
                + "\"https://a/in\",\"relativeInputAssetPath\":\"x.fbx\"},\"outputLocation\":{\"storageContainerUri\":\"https://a/out\"}},"
                + "\"status\":\"Failed\",\"error\":{\"code\":\"InputContainerError\",\"message\":\"Could not find the asset file\"}}");
            Assert.True(failed.Status == AssetConversionStatus.Failed, "failed status");
            Assert.Equal("InputContainerError", failed.Error.Code, "error code");
            Assert.True(failed.Output == null, "no output");
            Assert.True(new AssetConversionStatus("Hibernating") != AssetConversionStatus.Running, "an unknown status is kept as it is");
            Assert.True(AssetConversionStatus.Cancelled == "cancelled", "statuses compare without case");
        }

        [Test]
        public static void Argument_errors_are_thrown_before_anything_is_sent()
        {
            Assert.Throws<ArgumentNullException>(() => new AssetConversionInputOptions(null, "x.fbx"), "null container");
            Assert.Throws<ArgumentNullException>(() => new AssetConversionInputOptions(new Uri(Container), null), "null path");
            Assert.Throws<ArgumentNullException>(() => new AssetConversionOutputOptions(null), "null output container");
            Assert.Throws<ArgumentNullException>(() => new AssetConversionOptions(null, House().OutputOptions), "null input");
            using (RemoteRenderingClient client = Fixture.Fast.Client())
            {
                Assert.Throws<ArgumentNullException>(() => client.StartConversion("c", null), "null options");
                Assert.Throws<ArgumentException>(() => client.StartConversion("bad id!", House()), "an id the service refuses");
                Assert.Throws<ArgumentException>(() => client.GetConversion("a\0b"), "NUL in the id");
            }
        }

        // ---- Against the emulator ----

        [Test]
        public static void Start_and_wait_give_the_succeeded_conversion_with_its_output_uri()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client())
            {
                string id = Fixture.NewId("conv");
                AssetConversionOperation op = client.StartConversion(id, House());
                Assert.Equal(id, op.Id, "operation id");
                Assert.True(op.LastConversion.Status == AssetConversionStatus.NotStarted, "a new conversion is NotStarted: " + op.LastConversion);
                Assert.True(!op.HasCompleted, "not completed yet");
                Assert.True(op.HasValue && ReferenceEquals(op.LastConversion, op.Value), "the created conversion is the Value from the start (as Microsoft's)");

                AssetConversion done = op.WaitForCompletion(Poll);
                Assert.True(done.Status == AssetConversionStatus.Succeeded, "succeeded: " + done);
                Assert.True(op.HasCompleted && op.HasValue && ReferenceEquals(done, op.Value), "the operation completed with it");
                Assert.Equal(OutContainer + "/out/house.arrAsset", done.Output.OutputAssetUri, "output URI");
                Assert.True(done.Error == null, "no error");
                Assert.Equal(id, done.ConversionId, "conversion id");
                Assert.Equal("models/", done.Options.InputOptions.BlobPrefix, "the service's normalised prefix");
                Assert.Equal("house.fbx", done.Options.InputOptions.RelativeInputAssetPath, "input path");
                Assert.True(Math.Abs((DateTimeOffset.UtcNow - done.CreatedOn).TotalDays) < 1, "created recently: " + done.CreatedOn);

                AssetConversionOperation again = client.StartConversion(id, House());
                Assert.Equal(id, again.Id, "a retried start with the same settings finds the conversion");
            }
        }

        [Test]
        public static async Task The_async_forms_start_wait_get_and_list()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client())
            {
                string id = Fixture.NewId("conv-async");
                AssetConversionOperation op = await client.StartConversionAsync(id, House());
                Response<AssetConversion> done = await op.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                Assert.True(done.Value.Status == AssetConversionStatus.Succeeded, "succeeded: " + done.Value);
                Assert.Equal(200, done.GetRawResponse().Status, "raw status");
                await op.UpdateStatusAsync();
                Assert.True(op.HasCompleted, "still completed after an update");

                AssetConversion got = await client.GetConversionAsync(id);
                Assert.True(got.Status == AssetConversionStatus.Succeeded, "get: " + got);
                Pageable<AssetConversion> all = await client.GetConversionsAsync();
                Assert.True(all.Any(c => c.ConversionId == id), "the async list has it");
                Pageable<AssetConversion> typo = await client.GetConversionsAync();
                Assert.True(typo.Any(c => c.ConversionId == id), "the SDK's GetConversionsAync name lists it too");
                RequestFailedException e = await Assert.ThrowsAsync<RequestFailedException>(
                    () => client.GetConversionAsync("no-such-conversion"), "unknown conversion");
                Assert.Equal(404, e.Status, "HTTP status");
            }
        }

        [Test]
        public static void A_failing_conversion_completes_with_Failed_and_its_error()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client())
            {
                string id = Fixture.NewId("conv-missing");
                AssetConversionOperation op = client.StartConversion(id, House("missing/house.fbx"));
                AssetConversion done = op.WaitForCompletion(Poll);
                Assert.True(done.Status == AssetConversionStatus.Failed, "failed: " + done);
                Assert.True(op.HasCompleted, "a failed conversion completes the operation");
                Assert.True(done.Error != null && done.Error.Code == "InputContainerError", "error: " + done.Error);
                Assert.True(!string.IsNullOrEmpty(done.Error.Message), "with a message");
                Assert.True(done.Output == null, "no output");
            }
        }

        [Test]
        public static void Get_and_list_show_the_conversions_in_every_state()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client())
            {
                string ok = Fixture.NewId("conv-list-ok");
                string failed = Fixture.NewId("conv-list-failed");
                client.StartConversion(ok, House()).WaitForCompletion(Poll);
                client.StartConversion(failed, House("missing.fbx")).WaitForCompletion(Poll);

                Response<AssetConversion> got = client.GetConversion(ok);
                Assert.Equal(ok, got.Value.ConversionId, "get");
                Assert.True(got.Value.Status == AssetConversionStatus.Succeeded, "get status " + got.Value.Status);

                Pageable<AssetConversion> all = client.GetConversions();
                AssetConversion listedOk = all.FirstOrDefault(c => c.ConversionId == ok);
                AssetConversion listedFailed = all.FirstOrDefault(c => c.ConversionId == failed);
                Assert.True(listedOk != null && listedOk.Output != null, "the list has the succeeded one with its output");
                Assert.True(listedFailed != null && listedFailed.Status == AssetConversionStatus.Failed, "and the failed one");

                Assert.Equal(404, Assert.Throws<RequestFailedException>(() => client.GetConversion("no-such-conversion"), "unknown").Status, "HTTP status");

                var resumed = new AssetConversionOperation(ok, client);
                Assert.True(resumed.LastConversion == null && !resumed.HasCompleted && !resumed.HasValue, "a resumed operation knows nothing yet");
                Assert.Throws<InvalidOperationException>(() => { AssetConversion unused = resumed.Value; }, "no Value before its first read");
                resumed.UpdateStatus();
                Assert.True(resumed.HasCompleted && resumed.Value.Status == AssetConversionStatus.Succeeded, "then reads it");
            }
        }

        [Test]
        public static void The_native_sdks_shape_takes_the_id_from_the_options_or_makes_one()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client())
            {
                AssetConversionOptions house = House();
                string id = Fixture.NewId("conv-opt");
                var withId = new AssetConversionOptions(id, house.InputOptions, house.OutputOptions);
                Assert.Equal(id, client.StartConversion(withId).Id, "the id of the options");
                AssetConversionOperation generated = client.StartConversionAsync(House()).Result;
                Guid unused;
                Assert.True(Guid.TryParse(generated.Id, out unused), "a GUID when the options have none: " + generated.Id);
                Assert.True(generated.WaitForCompletion(Poll).Value.Status == AssetConversionStatus.Succeeded, "and it runs");
            }
        }

        [Test]
        public static void The_sas_is_sent_but_never_returned_shown_or_logged()
        {
            var lines = new List<string>();
            ArrLog.SetSink((level, target, message) =>
            {
                lock (lines)
                {
                    lines.Add(level + " " + target + " " + message);
                }
            }, ArrLogLevel.Trace);
            AssetConversion done;
            AssetConversion refused;
            try
            {
                using (RemoteRenderingClient client = Fixture.Conversions.Client())
                {
                    AssetConversionOptions options = House();
                    options.InputOptions.StorageContainerReadListSas = ReadSas;
                    options.OutputOptions.StorageContainerWriteSas = WriteSas;
                    AssetConversionOperation op = client.StartConversion(Fixture.NewId("conv-sas"), options);
                    done = op.WaitForCompletion(Poll);
                    client.GetConversions();

                    // The emulator honours the SAS's permissions: one without read access fails the
                    // conversion, which shows the SAS did reach the service.
                    AssetConversionOptions listOnly = House();
                    listOnly.InputOptions.StorageContainerReadListSas = "?sv=2021-08-06&sr=c&sp=l&sig=LISTONLYSIGNATUREkk1";
                    refused = client.StartConversion(Fixture.NewId("conv-sas-l"), listOnly).WaitForCompletion(Poll);

                    foreach (string text in new[] { op.ToString(), done.ToString(), done.Options.ToString(), options.ToString(), refused.ToString() })
                    {
                        Assert.True(!text.Contains("SIGNATURE"), "no SAS in " + text);
                    }
                }
                Thread.Sleep(300); // log lines arrive from the library's log thread
            }
            finally
            {
                ArrLog.SetSink((IArrLogSink)null, ArrLogLevel.Off);
            }
            Assert.True(done.Status == AssetConversionStatus.Succeeded, "the conversion with a read and a write SAS succeeded: " + done);
            Assert.True(done.Options.InputOptions.StorageContainerReadListSas == null, "no read SAS comes back");
            Assert.True(done.Options.OutputOptions.StorageContainerWriteSas == null, "no write SAS comes back");
            Assert.True(refused.Status == AssetConversionStatus.Failed, "a SAS without read access fails the conversion: " + refused);
            string all;
            lock (lines)
            {
                all = string.Join("\n", lines.ToArray());
            }
            Assert.True(all.Contains("conversions"), "the library logged the conversion requests:\n" + all);
            Assert.True(!all.Contains("SIGNATURE") && !all.Contains("sig="), "no SAS in the log:\n" + all);
        }

        [Test]
        public static void A_blocking_wait_ends_within_a_second_of_cancelling_and_the_conversion_goes_on()
        {
            using (RemoteRenderingClient client = Fixture.Slow.Client())
            {
                string id = Fixture.NewId("conv-cancel");
                AssetConversionOperation op = client.StartConversion(id, House());
                using (var cts = new CancellationTokenSource())
                {
                    Exception error = null;
                    var ended = new ManualResetEventSlim();
                    var thread = new Thread(() =>
                    {
                        try
                        {
                            op.WaitForCompletion(cts.Token);
                        }
                        catch (Exception e)
                        {
                            error = e;
                        }
                        ended.Set();
                    }) { IsBackground = true };
                    thread.Start();
                    Assert.True(!ended.Wait(300), "the wait is blocked (the conversion takes a minute)");
                    var clock = Stopwatch.StartNew();
                    cts.Cancel();
                    Assert.True(ended.Wait(TimeSpan.FromSeconds(10)), "the wait returned");
                    Assert.True(clock.Elapsed < Prompt, "within a second of the cancel, not " + clock.Elapsed);
                    Assert.True(error is OperationCanceledException, "OperationCanceledException, got " + error);
                }
                AssetConversion after = client.GetConversion(id);
                Assert.True(after.Status == AssetConversionStatus.NotStarted || after.Status == AssetConversionStatus.Running,
                    "the conversion itself was not cancelled: " + after);
                Assert.True(!op.HasCompleted, "nor the operation completed");
            }
        }

        [Test]
        public static async Task An_async_wait_ends_within_a_second_of_cancelling_or_disposing()
        {
            Emulator slow = Fixture.Slow;
            RemoteRenderingClient client = slow.Client();
            try
            {
                AssetConversionOperation op = await client.StartConversionAsync(Fixture.NewId("conv-cancel-async"), House());
                using (var cts = new CancellationTokenSource())
                {
                    Task<Response<AssetConversion>> wait = op.WaitForCompletionAsync(cts.Token);
                    await Task.Delay(300);
                    Assert.True(!wait.IsCompleted, "the wait is pending");
                    var clock = Stopwatch.StartNew();
                    cts.Cancel();
                    Assert.True(await Task.WhenAny(wait, Task.Delay(10000)) == wait, "the wait ended");
                    Assert.True(clock.Elapsed < Prompt, "within a second of the cancel, not " + clock.Elapsed);
                    Assert.True(wait.IsCanceled, "as cancelled: " + wait.Status);
                }

                Task<Response<AssetConversion>> second = client.WaitForConversionAsync(op.Id, Poll);
                await Task.Delay(300);
                var disposeClock = Stopwatch.StartNew();
                client.Dispose();
                Assert.True(await Task.WhenAny(second, Task.Delay(10000)) == second, "the wait ended on Dispose");
                Assert.True(disposeClock.Elapsed < Prompt, "within a second of Dispose, not " + disposeClock.Elapsed);
                Assert.True(second.IsCanceled, "as cancelled: " + second.Status);
            }
            finally
            {
                client.Dispose();
            }
        }

        [Test]
        public static void A_wait_with_a_timeout_throws_Timeout_and_leaves_the_conversion_running()
        {
            using (RemoteRenderingClient client = Fixture.Slow.Client())
            {
                AssetConversionOperation op = client.StartConversion(Fixture.NewId("conv-timeout"), House());
                RemoteRenderingException e = Assert.Throws<RemoteRenderingException>(
                    () => op.WaitForCompletion(new ConversionWaitOptions { Timeout = TimeSpan.FromMilliseconds(300), PollInterval = TimeSpan.FromMilliseconds(50) }),
                    "a wait that runs out");
                Assert.Equal(ArrStatus.Timeout, e.ArrStatus, "status");
                Assert.True(!op.HasCompleted, "the operation has not completed");
            }
        }

        // ---- Against a real Azure Storage emulator (Azurite) ----

        /// <summary>
        /// The whole flow against examples/storage_fixture: the fixture uploaded models/vehicles/car.glb to
        /// Azurite; the emulator linked to it converts it with the SAS values (reading and writing real blobs),
        /// the asset is fetched back from the output container, then a session starts, becomes Ready and is
        /// stopped. Without the fixture or Azurite this fails (with how to install them), it does not skip.
        /// </summary>
        [Test]
        public static void A_model_in_Azurite_is_converted_and_its_asset_written_to_the_output_container()
        {
            using (var storage = new StorageFixture())
            {
                JsonObject inputLocation = storage.Settings.GetObject("inputLocation");
                JsonObject outputLocation = storage.Settings.GetObject("outputLocation");
                string readSas = inputLocation.GetString("storageContainerReadListSas");
                string writeSas = outputLocation.GetString("storageContainerWriteSas");
                Assert.True(!string.IsNullOrEmpty(readSas) && !string.IsNullOrEmpty(writeSas), "the fixture gave both SAS values");

                // The model is really in Azurite (and the container is private: the SAS is what opens it).
                string model = storage.InputContainer + "/" + inputLocation.GetString("blobPrefix").TrimEnd('/') + "/"
                    + inputLocation.GetString("relativeInputAssetPath");
                HttpResult uploaded = StorageFixture.Get(model, readSas);
                Assert.Equal(200, uploaded.Status, "GET " + model + " with the read SAS");
                Assert.True(uploaded.Body.Length > 4 && Encoding.ASCII.GetString(uploaded.Body, 0, 4) == "glTF", "the uploaded model is a GLB");
                Assert.True(StorageFixture.Get(model, null).Status != 200, "without a SAS Azurite refuses the blob");

                using (RemoteRenderingClient client = storage.Client())
                {
                    string id = Fixture.NewId("conv-azurite");
                    AssetConversionOptions options = storage.ConversionOptions();
                    AssetConversionOperation op = client.StartConversion(id, options);
                    Assert.Equal(id, op.Id, "operation id");
                    AssetConversion done = op.WaitForCompletion(new ConversionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
                    Assert.True(done.Status == AssetConversionStatus.Succeeded, "the conversion succeeded: " + done
                        + (done.Error != null ? " (" + done.Error.Code + ": " + done.Error.Message + ")" : string.Empty)
                        + "\nfixture stderr:\n" + storage.Stderr);
                    Assert.True(done.Error == null, "no error");
                    Assert.True(done.Output != null && !string.IsNullOrEmpty(done.Output.OutputAssetUri), "an output URI: " + done);
                    string asset = done.Output.OutputAssetUri;
                    string outputPrefix = storage.OutputContainer + "/" + outputLocation.GetString("blobPrefix").TrimEnd('/') + "/";
                    Assert.True(asset.StartsWith(outputPrefix, StringComparison.Ordinal),
                        "the output URI points into the output container under its prefix (" + outputPrefix + "): " + asset);
                    Assert.True(asset.EndsWith(".arrAsset", StringComparison.Ordinal), "an .arrAsset: " + asset);
                    Assert.True(!done.ToString().Contains("sig="), "no SAS in " + done);

                    // The asset blob exists in Azurite: fetched with the output container's SAS (it grants read).
                    HttpResult written = StorageFixture.Get(asset, writeSas);
                    Assert.Equal(200, written.Status, "GET " + asset + " with the output container's SAS");
                    Assert.True(written.Body.Length > 0, "the asset has content");

                    // Then a session, as an app does with the asset: start, Ready, stop.
                    string sessionId = Fixture.NewId("azurite-session");
                    StartRenderingSessionOperation start = client.StartSession(sessionId, Fixture.Standard());
                    RenderingSession ready = start.WaitForCompletion(new SessionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
                    Assert.True(ready.Status == RenderingSessionStatus.Ready, "the session is Ready: " + ready.Status + " " + ready.Error);
                    Assert.True(!string.IsNullOrEmpty(ready.Host), "a Ready session has a host");
                    client.StopSession(sessionId);
                    RenderingSession stopped = client.GetSession(sessionId);
                    Assert.True(stopped.Status == RenderingSessionStatus.Stopped, "stopped: " + stopped.Status);
                }

                int? exit = storage.Close();
                Assert.True(exit == 0, "the fixture shut down cleanly once its stdin closed (exit " + exit + "); stderr:\n" + storage.Stderr);
            }
        }

        [Test]
        public static void Conversions_with_the_legacy_v1_api_are_refused_as_an_argument_error()
        {
            using (RemoteRenderingClient client = Fixture.Conversions.Client(RemoteRenderingServiceVersion.V1))
            {
                Assert.Throws<ArgumentException>(() => client.StartConversion(Fixture.NewId("conv-v1"), House()), "v1 start");
                Assert.Throws<ArgumentException>(() => client.GetConversions(), "v1 list");
            }
        }

        [Test]
        public static void A_mock_client_serves_conversions_from_overrides()
        {
            var client = new MockConversionClient();
            AssetConversionOperation op = client.StartConversion("m-1", House());
            Assert.Equal("m-1", op.Id, "mock start");
            Assert.Equal(0, client.GetConversions().Count, "mock list");
        }

        private sealed class MockConversionClient : RemoteRenderingClient
        {
            public override AssetConversionOperation StartConversion(string conversionId, AssetConversionOptions options, CancellationToken cancellationToken = default(CancellationToken))
            {
                return new AssetConversionOperation(conversionId, this);
            }

            public override Pageable<AssetConversion> GetConversions(CancellationToken cancellationToken = default(CancellationToken))
            {
                return Pageable<AssetConversion>.FromValues(new AssetConversion[0]);
            }
        }
    }
}
