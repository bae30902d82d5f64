using System;
using System.Linq;
using ArrSession;
using ArrSession.Azure;

namespace ArrSession.Tests
{
    /// <summary>An account domain given as a URL is the STS itself, as in every surface (Rust, C ABI, CLI, Python).</summary>
    internal static class AccountDomainTests
    {
        [Test]
        public static void The_emulator_URL_as_account_domain_with_the_dev_key_lists_sessions()
        {
            Emulator emulator = Fixture.Fast;
            int tokens = emulator.Count("sts.token");
            // No AuthenticationEndpoint: the STS is the account domain's URL.
            using (var client = new RemoteRenderingClient(emulator.Endpoint, new Guid(Emulator.AccountId), emulator.BaseUrl,
                new AzureKeyCredential(Emulator.AccountKey), new RemoteRenderingClientOptions()))
            {
                Assert.True(client.GetSessions().Count >= 0, "listed");
            }
            Assert.True(emulator.Count("sts.token") > tokens, "the key was exchanged at that URL");
        }
    }
}
