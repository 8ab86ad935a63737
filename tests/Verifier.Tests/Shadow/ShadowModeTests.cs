using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.Shadow;

/// <summary>Shadow mode end to end: local verdicts returned, TokenReview compared, against LocalApiServer over HTTPS.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ShadowModeTests : IAsyncDisposable
{
    private ApiServerHarness _harness = null!;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Test]
    public async Task VerifyAsync_MixedCorpus_CountsExpectedAgreementsAndDisagreements()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.Shadow, startHost: false, configure: o =>
        {
            o.Shadow.Primary = VerificationMode.Local;
            o.Shadow.Secondary = VerificationMode.TokenReview;
            o.Shadow.SampleRate = 1;
        },

        // Not a service-account token: the key rotation below would otherwise invalidate the verifier's own credential.
        ownToken: server => server.AdminToken);
        var server = _harness.Server;
        await _harness.LoadKeysAsync();

        // Expired: a 10-minute token, then the clock moves past exp + 60 s.
        var expired = _harness.PodToken("web-expired", expirationSeconds: 600);
        _harness.Time.Advance(TimeSpan.FromSeconds(661));

        var valid = _harness.PodToken("web-0");
        var wrongAudience = _harness.PodToken("web-0", audience: "other");
        var deletedPod = _harness.PodToken("web-deleted");
        server.DeletePod("default", "web-deleted", TimeSpan.Zero);

        var rotated = _harness.PodToken("web-0");

        var verdicts = new List<TokenVerificationResult>
        {
            await _harness.VerifyAsync(valid),
            await _harness.VerifyAsync(expired),
            await _harness.VerifyAsync(wrongAudience),
            await _harness.VerifyAsync(deletedPod),
        };
        await Eventually.WaitUntil(() => _harness.Shadow.GetReport().Compared == 4, "4 comparisons", TimeSpan.FromMilliseconds(30_000));

        // Rotated key: the API server now signs with a new key and has retired the old one, while our key set (loaded
        // before, not due for a refresh) still holds the old key, so locally the old token still verifies.
        var oldKeyId = server.SigningKey.KeyId;
        using var newKey = SigningKey.CreateRsa();
        server.SetSigningKey(newKey);
        server.RetireKey(oldKeyId);
        verdicts.Add(await _harness.VerifyAsync(rotated));
        await Eventually.WaitUntil(() => _harness.Shadow.GetReport().Compared == 5, "5 comparisons", TimeSpan.FromMilliseconds(30_000));
        var report = _harness.Shadow.GetReport();

        Assert.Multiple(() =>
        {
            Assert.That(verdicts.Select(v => v.Reason), Is.EqualTo(new[]
            {
                VerificationFailureReason.None, VerificationFailureReason.Expired, VerificationFailureReason.WrongAudience,
                VerificationFailureReason.None, VerificationFailureReason.None,
            }), "callers get the local verdicts");
            Assert.That(report.Primary, Is.EqualTo(VerificationMode.Local));
            Assert.That(report.Secondary, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.None), Is.EqualTo(1), "valid");
            Assert.That(report.CountOf(VerificationFailureReason.Expired, VerificationFailureReason.NotAuthenticated), Is.EqualTo(1), "expired");
            Assert.That(report.CountOf(VerificationFailureReason.WrongAudience, VerificationFailureReason.NotAuthenticated), Is.EqualTo(1), "wrong audience");
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.BindingInvalidated), Is.EqualTo(1), "deleted pod");
            Assert.That(report.CountOf(VerificationFailureReason.None, VerificationFailureReason.NotAuthenticated), Is.EqualTo(1), "rotated key");
            Assert.That(report.Agreed, Is.EqualTo(3));
            Assert.That(report.Disagreed, Is.EqualTo(2));
            Assert.That(report.Inconclusive, Is.Zero);
            Assert.That(report.IdentityMismatches, Is.Zero);
            Assert.That(_harness.TokenReviews, Is.EqualTo(5));
        });
    }

    [Test]
    public async Task VerifyAsync_TokenReviewPrimary_ReturnsTokenReviewVerdictLocalCompared()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.Shadow, startHost: false, configure: o =>
        {
            o.Shadow.Primary = VerificationMode.TokenReview;
            o.Shadow.Secondary = VerificationMode.Local;
            o.Shadow.SampleRate = 1;
        });
        await _harness.LoadKeysAsync();
        var token = _harness.PodToken("web-0");
        _harness.Server.DeletePod("default", "web-0", TimeSpan.Zero);

        var result = await _harness.VerifyAsync(token);
        await Eventually.WaitUntil(() => _harness.Shadow.GetReport().Compared == 1, "the comparison", TimeSpan.FromMilliseconds(30_000));
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(_harness.Shadow.GetReport().CountOf(VerificationFailureReason.BindingInvalidated, VerificationFailureReason.None), Is.EqualTo(1));
            Assert.That(_harness.Verifier.GetStatus().Mode, Is.EqualTo(VerificationMode.Shadow));
        });
    }
}
