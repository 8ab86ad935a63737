using NUnit.Framework;
using Verifier.Testing;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;

namespace Verifier.Tests.Hybrid;

/// <summary>Hybrid mode end to end: AddKubernetesTokenVerifier against LocalApiServer over HTTPS, one manual clock for both.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class HybridModeTests : IAsyncDisposable
{
    private ApiServerHarness _harness = null!;

    private LocalApiServer Server => _harness.Server;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    private async Task StartAsync(Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.Hybrid, startHost: false, configure: o =>
        {
            o.TokenReview.MaxRetries = 0;
            configure?.Invoke(o);
        });
        await _harness.LoadKeysAsync();
    }

    [Test]
    public async Task VerifyAsync_PodDeleted_RejectedOnlyOnceDeletionGraceAndLivenessTtlPassed()
    {
        await StartAsync();
        var token = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True, "live pod");

        // kubectl delete pod: deletionTimestamp = now + 30 s; kube-apiserver keeps the token valid until 60 s past it.
        Server.DeletePod("default", "web-0");
        _harness.Time.Advance(TimeSpan.FromSeconds(90));
        var atGraceEnd = await _harness.VerifyAsync(token);
        Assert.That(atGraceEnd.Succeeded, Is.True, "deletionTimestamp is not yet more than 60 s past: the review still confirms the binding");

        _harness.Time.Advance(TimeSpan.FromSeconds(9));
        var withinTtl = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(withinTtl.Succeeded, Is.True, "the API server would refuse now, but the confirmation is less than the liveness TTL old");
            Assert.That(_harness.TokenReviews, Is.EqualTo(2));
        });

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var afterTtl = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(afterTtl.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(afterTtl.Message, Does.Contain("service account token has been invalidated"));
            Assert.That(afterTtl.Mode, Is.EqualTo(VerificationMode.TokenReview), "the binding check decided");
            Assert.That(_harness.TokenReviews, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task VerifyAsync_PodRecreatedWithSameName_OldTokensRejectedNewAccepted()
    {
        await StartAsync();
        var oldToken = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(oldToken)).Succeeded, Is.True);

        Server.RecreatePod("default", "web-0");
        var newToken = _harness.PodToken("web-0");

        // No waiting for a TTL: the new pod is a new binding, and the old binding is asked about afresh once its TTL ends.
        var fresh = await _harness.VerifyAsync(newToken);
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        var stale = await _harness.VerifyAsync(oldToken);

        Assert.Multiple(() =>
        {
            Assert.That(fresh.Succeeded, Is.True);
            Assert.That(stale.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(stale.Message, Does.Contain("does not match service account pod ref claim"));
        });
    }

    [Test]
    public async Task VerifyAsync_1000RequestsOf100TokensOf10PodsWithinOneTtl_Exactly10TokenReviews()
    {
        await StartAsync();
        var tokens = new List<string>();
        for (var pod = 0; pod < 10; pod++)
        {
            for (var i = 0; i < 10; i++)
            {
                tokens.Add(_harness.PodToken("web-" + pod));
            }
        }

        var requests = Enumerable.Range(0, 1000).Select(i => _harness.Verifier.VerifyAsync(tokens[i % 100]).AsTask());
        var results = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(results.Count(r => r.Succeeded), Is.EqualTo(1000));
            Assert.That(_harness.TokenReviews, Is.EqualTo(10));
        });
    }

    [Test]
    public async Task VerifyAsync_TokenFailingLocally_NoTokenReview()
    {
        await StartAsync();
        var wrongAudience = _harness.PodToken("web-0", audience: "other");
        var result = await _harness.VerifyAsync(wrongAudience);
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.WrongAudience));
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_TokenReviewDown_FailsClosed()
    {
        await StartAsync();
        var token = _harness.PodToken("web-0");
        Server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Unavailable());

        var result = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(result.IsTransient, Is.True);
            Assert.That(_harness.Verifier.GetStatus().ApiServerHealthy, Is.False);
        });
    }

    [Test]
    public async Task VerifyAsync_TokenReviewDownWithOutageGrace_AcceptedWithinGraceOnly()
    {
        await StartAsync(o => o.Hybrid.OutageGrace = TimeSpan.FromMinutes(1));
        var confirmed = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(confirmed)).Succeeded, Is.True);
        var neverConfirmed = _harness.PodToken("web-1");
        Server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Unavailable());

        _harness.Time.Advance(TimeSpan.FromSeconds(60));
        var withinGrace = await _harness.VerifyAsync(confirmed);
        var unknownBinding = await _harness.VerifyAsync(neverConfirmed);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var pastGrace = await _harness.VerifyAsync(confirmed);

        Assert.Multiple(() =>
        {
            Assert.That(withinGrace.Succeeded, Is.True);
            Assert.That(unknownBinding.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(pastGrace.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(Server.Counters.Count(ApiEndpoint.TokenReview, 503), Is.GreaterThanOrEqualTo(2), "the API server was really asked");
        });
    }

    [Test]
    public async Task VerifyAsync_VerifierLacksAuthDelegator_VerifierMisconfigured()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.Hybrid, startHost: false, authDelegator: false);
        await _harness.LoadKeysAsync();

        var result = await _harness.VerifyAsync(_harness.PodToken("web-0"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.VerifierMisconfigured));
            Assert.That(result.Message, Does.Contain("cannot create resource \"tokenreviews\""));
            Assert.That(Server.Counters.Count(ApiEndpoint.TokenReview, 403), Is.EqualTo(1), "refused once, never retried");
        });
    }

    [Test]
    public async Task VerifyAsync_LegacySecretDeleted_Rejected()
    {
        // A legacy token (no aud) is valid for the API audiences only, by default the issuer: accept it too.
        await StartAsync(o =>
        {
            o.Validation.AcceptLegacyTokens = true;
            o.Validation.ApiAudiences = [ApiServerHarness.Audience];
        });
        var token = Server.CreateLegacyServiceAccountToken("default", "default", "default-token-abcde");
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True);

        Server.DeleteSecret("default", "default-token-abcde");
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        var result = await _harness.VerifyAsync(token);
        Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated), result.Message);
    }

    [Test]
    public async Task VerifyAsync_ServiceAccountRecreated_BindingInvalidated()
    {
        await StartAsync();
        Server.CreateServiceAccount("default", "worker");
        var token = Server.IssueToken("default", "worker", [ApiServerHarness.Audience]);
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True);

        Server.DeleteServiceAccount("default", "worker");
        Server.CreateServiceAccount("default", "worker");
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        var result = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(result.Message, Does.Contain("does not match"));
        });
    }
}
