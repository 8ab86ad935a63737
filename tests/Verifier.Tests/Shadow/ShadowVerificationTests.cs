using System.Globalization;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.Shadow;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ShadowVerificationTests : IDisposable
{
    private readonly ReviewTestContext _context = new();
    private readonly FakeVerifier _primary = new(VerificationMode.Local);
    private readonly FakeVerifier _secondary = new(VerificationMode.TokenReview);
    private TokenVerifier? _verifier;
    private ShadowComparisonRecorder? _recorder;

    public ShadowVerificationTests() => _context.Options.Shadow.SampleRate = 1;

    private ShadowComparisonRecorder Recorder => _recorder ??= new ShadowComparisonRecorder(_context.OptionsAccessor, _context.Time);

    private ShadowVerification? _shadow;

    private ShadowVerification Shadow => _shadow ??= new ShadowVerification(
        _primary, _secondary, Recorder, _context.Options.Shadow, _context.Metrics, NullLogger<ShadowVerification>.Instance);

    private TokenVerifier Verifier => _verifier ??= _context.Wrap(Shadow, VerificationMode.Shadow);

    public void Dispose()
    {
        _verifier?.Dispose();
        _context.Dispose();
    }

    [Test]
    public async Task VerifyAsync_ReturnsPrimaryVerdictInstance()
    {
        var verdict = TokenVerificationResult.Failure(VerificationFailureReason.Expired, "expired");
        _primary.Respond = _ => verdict;
        Assert.That(await Verifier.VerifyAsync("t"), Is.SameAs(verdict));
    }

    [Test]
    public async Task VerifyAsync_SecondaryPending_PrimaryVerdictNotDelayed()
    {
        _secondary.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = await Verifier.VerifyAsync("t").AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(result.Succeeded, Is.True);

        _secondary.Gate.SetResult();
        await WaitForComparedAsync(1);
    }

    [Test]
    public async Task VerifyAsync_Verdicts_CountedPerReasonPair()
    {
        _primary.Respond = token => token == "expired"
            ? TokenVerificationResult.Failure(VerificationFailureReason.Expired, "expired")
            : TokenVerificationResult.Success(FakeVerifier.Identity());
        _secondary.Respond = token => token switch
        {
            "expired" => TokenVerificationResult.Failure(VerificationFailureReason.NotAuthenticated, "has expired", VerificationMode.TokenReview),
            "deleted" => TokenVerificationResult.Failure(VerificationFailureReason.BindingInvalidated, "has been invalidated", VerificationMode.TokenReview),
            "outage" => TokenVerificationResult.Failure(VerificationFailureReason.ApiServerUnavailable, "503", VerificationMode.TokenReview),
            _ => TokenVerificationResult.Success(FakeVerifier.Identity(), VerificationMode.TokenReview),
        };

        foreach (var token in new[] { "valid", "valid", "expired", "deleted", "outage" })
        {
            await Verifier.VerifyAsync(token);
        }

        await WaitForComparedAsync(5);
        var report = Recorder.GetReport();
        Assert.Multiple(() =>
        {
            Assert.That(report.Primary, Is.EqualTo(VerificationMode.Local));
            Assert.That(report.Secondary, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.None), Is.EqualTo(2));
            Assert.That(report.CountOf(VerificationFailureReason.Expired, VerificationFailureReason.NotAuthenticated), Is.EqualTo(1));
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.BindingInvalidated), Is.EqualTo(1));
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.ApiServerUnavailable), Is.EqualTo(1));
            Assert.That(report.Agreed, Is.EqualTo(3));
            Assert.That(report.Disagreed, Is.EqualTo(1));
            Assert.That(report.Inconclusive, Is.EqualTo(1));
            Assert.That(report.Pairs[0], Is.EqualTo(new ShadowComparisonCount(VerificationFailureReason.None, VerificationFailureReason.None, ShadowComparisonOutcome.Agreed, 2)));
        });
    }

    [TestCase(0.0, 0)]
    [TestCase(0.25, 25)]
    [TestCase(0.5, 50)]
    [TestCase(1.0, 100)]
    public async Task VerifyAsync_SampleRate_ComparesThatFraction(double rate, int expected)
    {
        _context.Options.Shadow.SampleRate = rate;
        _context.Options.Shadow.MaxConcurrency = 100; // none skipped: this counts the sampler only
        for (var i = 0; i < 100; i++)
        {
            await Verifier.VerifyAsync("t" + i);
        }

        await WaitForComparedAsync(expected);
        Assert.That(_secondary.Calls, Is.EqualTo(expected));
    }

    [Test]
    public async Task VerifyAsync_MaxConcurrencyReached_SampleSkippedAndCounted()
    {
        _context.Options.Shadow.MaxConcurrency = 2;
        _secondary.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 5; i++)
        {
            await Verifier.VerifyAsync("t" + i);
        }

        Assert.That(Recorder.GetReport().Skipped, Is.EqualTo(3));
        _secondary.Gate.SetResult();
        await WaitForComparedAsync(2);
        await Eventually.WaitUntil(() => Shadow.InFlight == 0, "the comparisons to end");
    }

    [Test]
    public async Task VerifyAsync_SecondaryThrows_CountedAsFailedNotEscaping()
    {
        _secondary.Respond = _ => throw new InvalidOperationException("bug");
        var result = await Verifier.VerifyAsync("t");
        await Eventually.WaitUntil(() => Recorder.GetReport().Failed == 1, "the failure to be counted");
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(Recorder.GetReport().Compared, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_BothAcceptDifferentPods_IdentityMismatchCounted()
    {
        _secondary.Respond = _ => TokenVerificationResult.Success(FakeVerifier.Identity(podUid: "other"), VerificationMode.TokenReview);
        await Verifier.VerifyAsync("t");
        await WaitForComparedAsync(1);
        Assert.That(Recorder.GetReport().IdentityMismatches, Is.EqualTo(1));
    }

    [Test]
    public void GetStatus_ShadowModeWithSecondarysApiServerHealth()
    {
        _primary.Status = new VerifierStatus { Mode = VerificationMode.Local, IsReady = true, KeyCount = 3 };
        _secondary.Status = new VerifierStatus { Mode = VerificationMode.TokenReview, IsReady = true, ApiServerHealthy = false, LastApiServerError = "down" };
        var status = Verifier.GetStatus();
        Assert.Multiple(() =>
        {
            Assert.That(status.Mode, Is.EqualTo(VerificationMode.Shadow));
            Assert.That(status.KeyCount, Is.EqualTo(3));
            Assert.That(status.ApiServerHealthy, Is.False);
            Assert.That(status.LastApiServerError, Is.EqualTo("down"));
        });
    }

    [TestCase(VerificationFailureReason.None, VerificationFailureReason.None, ShadowComparisonOutcome.Agreed)]
    [TestCase(VerificationFailureReason.Expired, VerificationFailureReason.NotAuthenticated, ShadowComparisonOutcome.Agreed)]
    [TestCase(VerificationFailureReason.None, VerificationFailureReason.BindingInvalidated, ShadowComparisonOutcome.Disagreed)]
    [TestCase(VerificationFailureReason.UnknownKey, VerificationFailureReason.None, ShadowComparisonOutcome.Disagreed)]
    [TestCase(VerificationFailureReason.None, VerificationFailureReason.ApiServerUnavailable, ShadowComparisonOutcome.Inconclusive)]
    [TestCase(VerificationFailureReason.KeysUnavailable, VerificationFailureReason.None, ShadowComparisonOutcome.Inconclusive)]
    [TestCase(VerificationFailureReason.None, VerificationFailureReason.VerifierMisconfigured, ShadowComparisonOutcome.Inconclusive)]
    public void Classify_ReasonPair_Outcome(VerificationFailureReason primary, VerificationFailureReason secondary, ShadowComparisonOutcome expected) =>
        Assert.That(ShadowComparisonRecorder.Classify(primary, secondary), Is.EqualTo(expected));

    [Test]
    public async Task VerifyAsync_EveryPairOfReasons_MetricTagMatchesTheReport()
    {
        // Drift guard: the agreement tag and the report's outcome once came from two transient sets and disagreed
        // (KeysUnavailable / None was "disagree" in the metric, inconclusive in the report).
        using var comparisons = new MetricCollector<long>(_context.Metrics.Meter, "verifier.shadow.comparisons");
        var reasons = Enum.GetValues<VerificationFailureReason>();
        var pairs = (from p in reasons from s in reasons select (Primary: p, Secondary: s)).ToList();
        _context.Options.Shadow.MaxConcurrency = pairs.Count; // none skipped
        _primary.Respond = token => Verdict(pairs[int.Parse(token, CultureInfo.InvariantCulture)].Primary, VerificationMode.Local);
        _secondary.Respond = token => Verdict(pairs[int.Parse(token, CultureInfo.InvariantCulture)].Secondary, VerificationMode.TokenReview);

        for (var i = 0; i < pairs.Count; i++)
        {
            await Verifier.VerifyAsync(i.ToString(CultureInfo.InvariantCulture));
        }

        await WaitForComparedAsync(pairs.Count);
        var report = Recorder.GetReport().Pairs.ToDictionary(c => (c.Primary, c.Secondary), c => c.Outcome);
        var measurements = comparisons.GetMeasurementSnapshot();
        var byWireName = reasons.ToDictionary(r => r.ToWireName());
        Assert.That(measurements, Has.Count.EqualTo(pairs.Count));
        Assert.Multiple(() =>
        {
            foreach (var m in measurements)
            {
                var pair = (byWireName[(string)m.Tags["primary_result"]!], byWireName[(string)m.Tags["secondary_result"]!]);
                Assert.That(m.Tags["agreement"], Is.EqualTo(ShadowComparisonRecorder.AgreementTag(report[pair])), $"{pair}");
            }

            Assert.That(report[(VerificationFailureReason.KeysUnavailable, VerificationFailureReason.None)], Is.EqualTo(ShadowComparisonOutcome.Inconclusive));
            Assert.That(report[(VerificationFailureReason.None, VerificationFailureReason.BindingInvalidated)], Is.EqualTo(ShadowComparisonOutcome.Disagreed));
            Assert.That(report[(VerificationFailureReason.Expired, VerificationFailureReason.NotAuthenticated)], Is.EqualTo(ShadowComparisonOutcome.Agreed));
        });

        static TokenVerificationResult Verdict(VerificationFailureReason reason, VerificationMode mode) => reason == VerificationFailureReason.None
            ? TokenVerificationResult.Success(FakeVerifier.Identity(), mode)
            : TokenVerificationResult.Failure(reason, reason.ToString(), mode);
    }

    private Task WaitForComparedAsync(long count) =>
        Eventually.WaitUntil(() => Recorder.GetReport().Compared >= count, $"{count} comparisons");
}
