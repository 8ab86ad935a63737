using System.Text.Json;
using Bench.Compare;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>
/// The README's main job in miniature: a real embedded LocalApiServer, a small corpus of every category, every
/// mode. Bounded (tiny corpus, 50 ms measurements) so it runs in the suite and the compare run never rots.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CompareRunTests
{
    private static readonly CompareOptions Small = new()
    {
        ValidTokens = 40,
        TokensPerCategory = 4,
        Pods = 4,
        ServiceAccounts = 2,
        Concurrency = 2,
        Duration = TimeSpan.FromMilliseconds(50),
        Rounds = 1,
        Progress = false,
    };

    [Test]
    public async Task RunAsync_EmbeddedTargetAllModes_EveryDisagreementIsExplained()
    {
        await using var target = new EmbeddedTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var report = await CompareRun.RunAsync(Small, target, ModeConfiguration.All, new ProgressLine(false), timeout.Token);

        var categories = report.Agreement.Select(r => r.Category).ToList();
        var valid = report.Agreement.Single(r => r.Category == nameof(TokenCategory.Valid));
        var deleted = report.Agreement.Single(r => r.Category == nameof(TokenCategory.DeletedPod));
        var recreated = report.Agreement.Single(r => r.Category == nameof(TokenCategory.RecreatedPod));
        var excluded = report.Agreement.Single(r => r.Category == nameof(TokenCategory.ExcludedKey));
        string[] acceptedByAll = [nameof(TokenCategory.LegacyIssuerBound), nameof(TokenCategory.TrailingNewline), nameof(TokenCategory.ExternalSigner), nameof(TokenCategory.FreshlyRotatedKey)];
        var issue11 = report.Agreement.Where(r => acceptedByAll.Contains(r.Category)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(categories, Is.EquivalentTo(Enum.GetNames<TokenCategory>()), "the embedded target produces every category");
            Assert.That(report.SkippedCategories, Is.Empty);
            Assert.That(report.UnexplainedDisagreements, Is.Zero, report.ToMarkdown());
            Assert.That(valid.ReferenceAccepted, Is.EqualTo(Small.ValidTokens), "TokenReview accepts every valid token");
            Assert.That(valid.Cells.Select(c => c.Agreed), Is.All.EqualTo(Small.ValidTokens), "every mode accepts every valid token");

            // The point of hybrid and watch: they agree with TokenReview on deleted and recreated pods, where local cannot.
            Assert.That(deleted.ReferenceAccepted, Is.Zero);
            Assert.That(recreated.ReferenceAccepted, Is.Zero);
            Assert.That(deleted.Cells.Single(c => c.Mode == "hybrid").Status, Is.EqualTo(AgreementStatus.Agree));
            Assert.That(deleted.Cells.Single(c => c.Mode == "local").Status, Is.EqualTo(AgreementStatus.Expected));
            Assert.That(new[] { deleted, recreated }.Select(r => r.Cells.Single(c => c.Mode == "watch").Status), Is.All.EqualTo(AgreementStatus.Agree));
            Assert.That(report.Agreement.Where(r => r.Category != nameof(TokenCategory.ExcludedKey)).Select(r => r.Cells.Single(c => c.Mode == "watch").Status),
                Is.All.EqualTo(AgreementStatus.Agree), "watch agrees with TokenReview on every category it can know");
            Assert.That(excluded.Cells.Single(c => c.Mode == "watch").Status, Is.EqualTo(AgreementStatus.Expected), "watch verifies locally first");

            // Issuer kubernetes/serviceaccount, a trailing newline, external-signer keys (one published while the
            // verifier runs): TokenReview accepts them and every mode agrees.
            Assert.That(issue11.Select(r => r.ReferenceAccepted), Is.All.EqualTo(Small.TokensPerCategory));
            Assert.That(issue11.SelectMany(r => r.Cells).Select(c => c.Status), Is.All.EqualTo(AgreementStatus.Agree));

            // A key excluded from discovery: kube accepts, offline cannot know the key; an explained difference.
            Assert.That(excluded.ReferenceAccepted, Is.EqualTo(Small.TokensPerCategory));
            Assert.That(excluded.Cells.Single(c => c.Mode == "local").Status, Is.EqualTo(AgreementStatus.Expected));
            // KeysUnavailable while no key set fetched since the kid was first seen has loaded (the unknown-kid cooldown).
            Assert.That(excluded.Cells.Single(c => c.Mode == "local").Reasons, Does.Match("^(UnknownKey|KeysUnavailable) [0-9]+"));
            Assert.That(excluded.Cells.Single(c => c.Mode == "tokenreview").Status, Is.EqualTo(AgreementStatus.Agree));
        });
    }

    [Test]
    public async Task RunAsync_EmbeddedTarget_ReportsLoadAndApiRequestsPerMode()
    {
        await using var target = new EmbeddedTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var modes = ModeConfiguration.All.Where(m => m.Name is "local" or "tokenreview-uncached" or "hybrid").ToList();

        var report = await CompareRun.RunAsync(Small, target, modes, new ProgressLine(false), timeout.Token);

        var json = JsonSerializer.Serialize(report, CompareJsonContext.Default.CompareReport);
        using var parsed = JsonDocument.Parse(json);
        Assert.Multiple(() =>
        {
            // Every mode and the floor, at 1 and N callers.
            Assert.That(report.Performance.Select(m => (m.Name, m.Callers)), Is.EquivalentTo(new[]
            {
                ("local", 1), ("local", 2), ("tokenreview-uncached", 1), ("tokenreview-uncached", 2), ("hybrid", 1), ("hybrid", 2),
                ("https-noop-floor", 1), ("https-noop-floor", 2),
            }));
            Assert.That(report.Performance.Where(m => m.Name != "https-noop-floor").Select(m => m.Failures), Is.All.Zero, "valid tokens only under load");
            Assert.That(report.Performance.Select(m => m.Operations), Is.All.GreaterThan(0));

            // Local never calls the API server; uncached TokenReview calls it once per verification; hybrid once
            // per binding per liveness TTL (4 pods here), however many tokens and requests.
            Assert.That(report.AgreementPassApiRequests["local"], Is.Zero);
            Assert.That(report.AgreementPassApiRequests["tokenreview-uncached"], Is.EqualTo(report.Agreement.Sum(r => r.Tokens) - 1),
                "every token is reviewed except the oversized one, refused before any call");
            Assert.That(report.Performance.Single(m => m.Name == "tokenreview-uncached" && m.Callers == 1).ApiRequestsPerThousand, Is.EqualTo(1000));
            Assert.That(report.Performance.Single(m => m.Name == "local" && m.Callers == 1).ApiRequests, Is.Zero);
            Assert.That(parsed.RootElement.GetProperty("agreement").GetArrayLength(), Is.EqualTo(report.Agreement.Count));
            Assert.That(report.ToMarkdown(), Does.Contain("| hybrid | 1 |").And.Contain("## Ratios"));
        });
    }

    [Test]
    public async Task RunAsync_WatchHybridTokenReview_RevocationApiCostAndStreamsPerMode()
    {
        await using var target = new EmbeddedTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var modes = ModeConfiguration.All.Where(m => m.Name is "local" or "tokenreview-uncached" or "hybrid" or "watch").ToList();

        var report = await CompareRun.RunAsync(Small, target, modes, new ProgressLine(false), timeout.Token);

        var cost = report.Costs.ToDictionary(c => c.Mode);
        var markdown = report.ToMarkdown();
        Assert.Multiple(() =>
        {
            Assert.That(report.UnexplainedDisagreements, Is.Zero, markdown);

            // Deletion past the leeway: the watch index already holds the deletion timestamp, so the first verification
            // after the leeway is refused by the index itself; hybrid keeps its confirmation (LivenessTtl) and then asks
            // TokenReview; uncached TokenReview asks at once. Offline local is not probed.
            Assert.That(cost["watch"].Revocation, Is.Not.Null.And.Property("Problem").Null, markdown);
            Assert.That(cost["watch"].Revocation!.DecidedBy, Is.EqualTo("Watch"));
            Assert.That(cost["watch"].Revocation!.Verifications, Is.EqualTo(1));
            Assert.That(cost["hybrid"].Revocation!.DecidedBy, Is.EqualTo("TokenReview"));
            Assert.That(cost["hybrid"].Revocation!.Verifications, Is.GreaterThan(1), "the confirmation cached just before the leeway's end answers meanwhile");
            Assert.That(cost["tokenreview-uncached"].Revocation!.Verifications, Is.EqualTo(1));
            Assert.That(cost["tokenreview-uncached"].Revocation!.Reason, Is.EqualTo(nameof(VerificationFailureReason.BindingInvalidated)));
            Assert.That(cost["local"].Revocation, Is.Null);

            // API-server cost: the watch mode sends nothing per verification once synced, holds one stream per kind,
            // and sent TokenReviews in the agreement pass only for the recreated pods' old uids (older than its list).
            Assert.That(cost["watch"].WatchStreamsOpen, Is.EqualTo(4), "pods, service accounts, secrets, nodes");
            Assert.That(cost["watch"].WatchSyncSeconds, Is.Not.Null);
            Assert.That(cost["watch"].ApiRequestsPerThousand, Is.Zero);
            Assert.That(cost["watch"].StartupApiRequests, Is.GreaterThanOrEqualTo(4 + 4), "a list and a watch per kind, plus keys");
            Assert.That(cost["watch"].AgreementPassTokenReviews, Is.InRange(1, Small.Pods), "one TokenReview per recreated pod's binding, no more");
            Assert.That(cost["hybrid"].WatchStreamsOpen, Is.Zero);
            Assert.That(cost["tokenreview-uncached"].TokenReviewsPerThousand, Is.EqualTo(1000));
            Assert.That(cost["local"].ApiRequestsPerThousand, Is.Zero);

            // Reported, never asserted: the watch mode's throughput against Local's.
            Assert.That(report.Ratios.Select(r => r.Name), Does.Contain("watch / local cached (1 caller)").And.Contain("watch / local cached (2 callers)"));
            Assert.That(report.Ratios.Single(r => r.Name == "watch / local cached (1 caller)").Target, Is.EqualTo(">= 0.9x"));
            Assert.That(markdown, Does.Contain("## API-server cost, watch streams and revocation latency per mode").And.Contain("| watch | 0 | 0 |"));
        });
    }

    [Test]
    public void Parse_NoRevocation_TurnsTheProbeOff() =>
        Assert.That(CompareOptions.Parse(["--no-revocation", "--modes", "watch"]).Revocation, Is.False);

    [TestCase(VerificationFailureReason.UnknownKey, VerificationFailureReason.None, true)]
    [TestCase(VerificationFailureReason.BadSignature, VerificationFailureReason.None, false)]
    [TestCase(VerificationFailureReason.None, VerificationFailureReason.NotAuthenticated, false)]
    public void Explain_ShadowPair_NamesTheExcludedKeyDifference(VerificationFailureReason primary, VerificationFailureReason secondary, bool explained)
    {
        var pair = new global::Verifier.Shadow.ShadowComparisonCount(primary, secondary, global::Verifier.Shadow.ShadowComparisonOutcome.Disagreed, 3);
        var report = new global::Verifier.Shadow.ShadowComparisonReport(VerificationMode.Local, VerificationMode.TokenReview, DateTimeOffset.UnixEpoch, [pair], 0, 0, 0);

        Assert.That(ShadowReportWriter.Explain(report, pair), explained ? Does.Contain("excluded from discovery") : Is.Empty);
    }

    [TestCase("--pods", "0")]
    [TestCase("--duration", "-1")]
    [TestCase("--modes", "local,bogus")]
    [TestCase("--frobnicate")]
    public void Parse_BadArguments_ThrowsNamingTheOption(params string[] args) =>
        Assert.That(() => CompareOptions.Parse(args), Throws.ArgumentException.With.Message.Contains(args[0]));

    [Test]
    public void Parse_ClusterOptions_SelectsRealClusterWithWrites()
    {
        var options = CompareOptions.Parse(["--kubeconfig", "/tmp/kc", "--context", "kind", "--allow-writes", "--namespace", "bench", "--modes", "local,hybrid"]);

        Assert.Multiple(() =>
        {
            Assert.That(options.UsesRealCluster, Is.True);
            Assert.That(options.AllowWrites, Is.True);
            Assert.That(options.Namespace, Is.EqualTo("bench"));
            Assert.That(options.Modes, Is.EqualTo(new[] { "local", "hybrid" }));
        });
    }
}
