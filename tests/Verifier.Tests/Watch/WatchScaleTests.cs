using NUnit.Framework;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// The index at the issue's size: 10 000 pods and 1 000 service accounts, listed in pages of metadata. A bounded
/// check that it syncs and holds every object; time and memory belong to the benchmarks, not here.
/// </summary>
public sealed class WatchScaleTests
{
    [Test]
    public async Task InitialList_TenThousandPodsAThousandServiceAccounts_SyncsAndIndexesEveryObject()
    {
        await using var harness = await WatchModeHarness.StartAsync(
            o =>
            {
                o.Watch.WatchSecrets = false;
                o.Watch.WatchNodes = false;
            },
            s =>
            {
                for (var a = 0; a < 1_000; a++)
                {
                    s.CreateServiceAccount("ns-" + (a % 10), "sa-" + a);
                }

                for (var p = 0; p < 10_000; p++)
                {
                    var account = p % 1_000;
                    s.CreatePod("ns-" + (account % 10), "pod-" + p, serviceAccount: "sa-" + account);
                }
            },
            waitForSync: false);
        await harness.Index.WaitUntilSyncedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(120));

        long pods = 0, accounts = 0;
        foreach (var scope in harness.Index.Scopes)
        {
            if (scope.Kind == WatchedKind.Pod)
            {
                pods += scope.Objects.Count;
            }
            else if (scope.Kind == WatchedKind.ServiceAccount)
            {
                accounts += scope.Objects.Count;
            }
        }

        var token = harness.Server.IssueToken("ns-7", "sa-7", [ApiServerHarness.Audience], 3600, Verifier.Testing.BoundObjectRef.Pod("pod-7"));
        var result = await harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(pods, Is.EqualTo(10_000));
            Assert.That(accounts, Is.GreaterThanOrEqualTo(1_000), "1 000 plus each namespace's default and the verifier's own");
            Assert.That(result.Succeeded, Is.True);
            Assert.That(harness.TokenReviews, Is.Zero);
        });
    }
}
