using System;
using System.Collections.Generic;
using ArrSession;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>
    /// Conversions that fail early and explain themselves, from C#: settings checked locally, SAS tokens
    /// signed, the input linted, and a conversion the emulator fails read back with its result file's error
    /// code and title (blocking and async), against the storage fixture (an emulator linked to Azurite).
    /// </summary>
    internal static class PreflightTests
    {
        // Azurite's published development key (not a secret).
        private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        [Test]
        public static void Settings_files_are_checked_locally_naming_file_pointer_and_rule()
        {
            IReadOnlyList<PreflightFinding> findings = ConversionPreflight.CheckSettings(
                "box.ConversionSettings.json", "{\"axis\": [\"Default\", \"+z\", \"-y\"]}", "box.fbx");
            Assert.Equal(1, findings.Count, "one finding");
            PreflightFinding finding = findings[0];
            Assert.Equal("error", finding.Severity, "severity");
            Assert.Equal("enum", finding.Rule, "rule");
            Assert.Equal("/axis/0", finding.Path, "JSON Pointer");
            Assert.Equal("box.ConversionSettings.json", finding.File, "file");
            Assert.True(finding.Message.Contains("write \"default\""), finding.Message);
            Assert.True(finding.ToString().StartsWith("error   box.ConversionSettings.json /axis/0 [enum]: ", StringComparison.Ordinal), finding.ToString());
            Assert.Equal(0, ConversionPreflight.CheckSettings("box.ConversionSettings.json", "{\"scaling\": 0.01}").Count, "a valid file");
            IReadOnlyList<PreflightFinding> overrides = ConversionPreflight.CheckSettings("box.MaterialOverrides.json", "[{\"unlit\": true}]");
            Assert.True(overrides.Count == 1 && overrides[0].Rule == "required" && overrides[0].Path == "/0", "the name is required");
            Assert.Throws<ArgumentNullException>(() => ConversionPreflight.CheckSettings(null, "{}"), "a null file name");
        }

        [Test]
        public static void Sas_tokens_are_signed_with_least_permissions_and_keys_never_shown()
        {
            var container = new Uri("http://127.0.0.1:10000/devstoreaccount1/models");
            string input = ConversionPreflight.SignContainerSas(container, AzuriteKey, SasPurpose.Input);
            Assert.True(input.StartsWith("?sv=", StringComparison.Ordinal) && input.Contains("&sp=rl&"), input);
            Assert.True(ConversionPreflight.SignContainerSas(container, AzuriteKey, SasPurpose.Output).Contains("&sp=rw&"), "output: rw");
            Assert.True(ConversionPreflight.SignContainerSas(container, AzuriteKey, SasPurpose.Output, "r", TimeSpan.FromHours(1)).Contains("&sp=r&"), "read-only");
            ArgumentException refused = Assert.Throws<ArgumentException>(
                () => ConversionPreflight.SignContainerSas(container, "NOT-BASE64-SECRET!", SasPurpose.Input), "a key that is not base64");
            Assert.True(!refused.Message.Contains("SECRET"), refused.Message);
        }

        [Test]
        public static void The_input_is_linted_and_a_failed_conversion_comes_back_with_its_result_file()
        {
            using (var storage = new StorageFixture())
            using (RemoteRenderingClient client = storage.Client())
            {
                JsonObject failing = storage.Failing;
                Assert.True(failing != null, "the fixture offers a failing conversion");
                InputLint good = client.LintConversionInput(storage.ConversionOptions());
                Assert.True(good.Listed && !good.HasErrors, "the fixture's model passes: " + string.Join("\n", good.Findings));
                Assert.Equal("vehicles/car.glb", good.InputBlob, "input blob");
                AssetConversionOptions options = storage.ConversionOptions(failing.GetObject("settings"));
                InputLint bad = client.LintConversionInputAsync(options).GetAwaiter().GetResult();
                Assert.True(bad.HasErrors && bad.Findings[0].Rule == "input-missing", "the missing model is an error");

                string id = Fixture.NewId("cs-preflight");
                AssetConversion done = client.StartConversion(id, options)
                    .WaitForCompletion(new ConversionWaitOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
                Assert.True(done.Status == AssetConversionStatus.Failed, "the conversion failed: " + done);
                Assert.True(done.Results == null, "no results before they are asked for");

                string outputSas = failing.GetObject("resultsOptions").GetString("outputSas");
                AssetConversion read = client.GetConversionResults(id, new ConversionResultsOptions { OutputSas = outputSas }).Value;
                Assert.True(read.Results != null && read.Results.Error != null, "the result file's error: " + read);
                Assert.Equal(failing.GetString("code"), read.Results.Error.Code, "code");
                Assert.Equal(failing.GetString("title"), read.Results.Error.Title, "title");
                Assert.Equal("failed", read.Results.Outcome, "outcome");

                AssetConversion viaKey = client.GetConversionResultsAsync(id, new ConversionResultsOptions { StorageAccountKey = AzuriteKey })
                    .GetAwaiter().GetResult().Value;
                Assert.Equal(failing.GetString("code"), viaKey.Results.Error.Code, "code, read with the account key (async)");
                ArgumentException none = Assert.Throws<ArgumentException>(
                    () => client.GetConversionResults(id, null), "without an output SAS or key");
                Assert.True(none.Message.Contains("outputSas"), none.Message);
            }
        }
    }
}
