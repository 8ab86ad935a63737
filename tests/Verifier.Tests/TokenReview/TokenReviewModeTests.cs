using NUnit.Framework;
using Verifier.Testing;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

/// <summary>TokenReview mode end to end against LocalApiServer over HTTPS.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenReviewModeTests : IAsyncDisposable
{
    private ApiServerHarness _harness = null!;

    private LocalApiServer Server => _harness.Server;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Test]
    public async Task VerifyAsync_ValidPodToken_AcceptedWithoutAnyKeyFetch()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false);
        await _harness.Verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(5));

        var result = await _harness.VerifyAsync(_harness.PodToken("web-0"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.Message);
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(Server.Counters.Count(ApiEndpoint.Jwks) + Server.Counters.Count(ApiEndpoint.OidcDiscovery), Is.Zero, "no keys needed");
        });
    }

    [Test]
    public async Task VerifyAsync_SameToken_OneTokenReviewPerSuccessTtl()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false);
        var token = _harness.PodToken("web-0");
        for (var i = 0; i < 5; i++)
        {
            await _harness.VerifyAsync(token);
        }

        Assert.That(_harness.TokenReviews, Is.EqualTo(1));
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        await _harness.VerifyAsync(token);
        Assert.That(_harness.TokenReviews, Is.EqualTo(2));
    }

    [Test]
    public async Task VerifyAsync_IdentitySameShapeAsLocal_FieldByField()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.Shadow, startHost: false, configure: o =>
        {
            o.Shadow.Primary = VerificationMode.Local;
            o.Shadow.Secondary = VerificationMode.TokenReview;
        });
        await _harness.LoadKeysAsync();
        Server.CreateNode("node-1");
        var token = _harness.PodToken("web-0");

        var local = await _harness.VerifyAsync(token);
        var reviewed = await new TokenReviewVerification(_harness.Reviewer).VerifyAsync(token, CancellationToken.None);

        Assert.That(local.Succeeded && reviewed.Succeeded, Is.True, $"{local} / {reviewed}");
        ServiceAccountIdentity l = local.Identity!, r = reviewed.Identity!;
        Assert.Multiple(() =>
        {
            Assert.That(r.Namespace, Is.EqualTo(l.Namespace));
            Assert.That(r.ServiceAccountName, Is.EqualTo(l.ServiceAccountName));
            Assert.That(r.Username, Is.EqualTo(l.Username));
            Assert.That(r.Uid, Is.EqualTo(l.Uid).And.Not.Null);
            Assert.That(r.ServiceAccountUid, Is.EqualTo(l.ServiceAccountUid));
            Assert.That(r.Groups, Is.EqualTo(l.Groups));
            Assert.That(r.Extra, Is.EquivalentTo(l.Extra));
            Assert.That(r.PodName, Is.EqualTo(l.PodName).And.EqualTo("web-0"));
            Assert.That(r.PodUid, Is.EqualTo(l.PodUid).And.EqualTo(Server.GetPodUid("default", "web-0")));
            Assert.That(r.NodeName, Is.EqualTo(l.NodeName).And.EqualTo("node-1"));
            Assert.That(r.NodeUid, Is.EqualTo(l.NodeUid).And.EqualTo(Server.GetNodeUid("node-1")));
            Assert.That(r.TokenId, Is.EqualTo(l.TokenId).And.Not.Null);
            Assert.That(r.Audiences, Is.EqualTo(l.Audiences));

            // What TokenReview cannot report (documented on ServiceAccountIdentity).
            Assert.That(r.Issuer, Is.Null);
            Assert.That(r.KeyId, Is.Null);
            Assert.That(r.ExpiresAt, Is.Null);
        });
    }

    [TestCase("expired", VerificationFailureReason.NotAuthenticated, "has expired")]
    [TestCase("wrong-audience", VerificationFailureReason.NotAuthenticated, "is invalid for the target audiences")]
    [TestCase("deleted-pod", VerificationFailureReason.BindingInvalidated, "has been invalidated")]
    [TestCase("garbage", VerificationFailureReason.NotAuthenticated, "invalid bearer token")]
    public async Task VerifyAsync_RefusedToken_ReasonAndApiServerText(string kind, VerificationFailureReason reason, string text)
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false);
        string token;
        switch (kind)
        {
            case "expired":
                token = _harness.PodToken("web-0", expirationSeconds: 600);
                _harness.Time.Advance(TimeSpan.FromSeconds(661));
                break;
            case "wrong-audience":
                token = _harness.PodToken("web-0", audience: "other");
                break;
            case "deleted-pod":
                token = _harness.PodToken("web-0");
                Server.DeletePod("default", "web-0", TimeSpan.Zero);
                break;
            default:
                token = "not.a.token";
                break;
        }

        var result = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(reason));
            Assert.That(result.Message, Does.Contain(text));
        });
    }

    [Test]
    public async Task VerifyAsync_TokenReviewDown_FailsClosedAndBreakerOpens()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false, configure: o =>
        {
            o.TokenReview.MaxRetries = 0;
            o.TokenReview.BreakerFailureThreshold = 2;
        });
        Server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.InternalError());

        var results = new List<TokenVerificationResult>();
        for (var i = 0; i < 4; i++)
        {
            results.Add(await _harness.VerifyAsync(_harness.PodToken("web-" + i)));
        }

        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Reason), Is.All.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(_harness.TokenReviews, Is.EqualTo(2), "the open breaker stops further requests");
            Assert.That(_harness.Verifier.GetStatus().ApiServerHealthy, Is.False);
            Assert.That(results[3].Message, Does.Contain("circuit breaker open"));
        });
    }

    [TestCase(429)]
    [TestCase(500)]
    [TestCase(503)]
    [TestCase(0, Description = "the request hangs: each attempt ends at TokenReview:Timeout")]
    public async Task VerifyAsync_TokenReviewFault_RetriedMaxRetriesTimesThen503Verdict(int status)
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false);
        var token = _harness.PodToken("web-0");
        Server.Faults.Set(ApiEndpoint.TokenReview, status == 0 ? ApiFault.Hang() : ApiFault.Status(status, status == 429 ? TimeSpan.FromSeconds(1) : null));

        // Retry delays and attempt timeouts run on the shared manual clock: move it whenever the reviewer waits.
        var result = await Eventually.PumpUntilDone(_harness.Time, _harness.Verifier.VerifyAsync(token).AsTask(), TimeSpan.FromMilliseconds(500), "the attempts");
        await Eventually.WaitUntil(() => _harness.TokenReviews == 3, "every attempt reached the API server");

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(result.IsTransient, Is.True, "503 through the scheme: retry, do not drop the token");
            Assert.That(_harness.TokenReviews, Is.EqualTo(3), "one attempt and TokenReview:MaxRetries (2) retries, no storm");
            Assert.That(_harness.Verifier.GetStatus().ApiServerHealthy, Is.False);
        });
    }

    [Test]
    public async Task VerifyAsync_429WithRetryAfter_WaitsRetryAfterOnTheClockThenSucceeds()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false);
        var token = _harness.PodToken("web-0");
        Server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.TooManyRequests(TimeSpan.FromSeconds(3)) with { Times = 1 });

        var pending = _harness.Verifier.VerifyAsync(token).AsTask();
        await Eventually.WaitUntil(() => _harness.Reviewer.RetriesWaiting == 1, "the retry delay to start", TimeSpan.FromMilliseconds(30_000));
        Assert.That(Server.Counters.Count(ApiEndpoint.TokenReview, 429), Is.EqualTo(1));

        _harness.Time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.Multiple(() =>
        {
            Assert.That(_harness.TokenReviews, Is.EqualTo(1), "no second request before Retry-After");
            Assert.That(pending.IsCompleted, Is.False);
        });

        _harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.Message);
            Assert.That(Server.Counters.Count(ApiEndpoint.TokenReview, 201), Is.EqualTo(1));
            Assert.That(_harness.TokenReviews, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task VerifyAsync_VerifierLacksAuthDelegator_VerifierMisconfiguredNotNotAuthenticated()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false, authDelegator: false);
        var result = await _harness.VerifyAsync(_harness.PodToken("web-0"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.VerifierMisconfigured));
            Assert.That(result.IsTransient, Is.True);
            Assert.That(result.Message, Does.Contain("tokenreviews.authentication.k8s.io is forbidden"));
            Assert.That(_harness.Verifier.GetStatus().LastApiServerError, Does.Contain("forbidden"));
        });
    }

    [Test]
    public async Task VerifyAsync_GarbageOwnToken_VerifierMisconfiguredNotNotAuthenticated()
    {
        _harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false, ownToken: _ => "garbage");
        var result = await _harness.VerifyAsync(_harness.PodToken("web-0"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.VerifierMisconfigured));
            Assert.That(result.Message, Does.Contain("401"));
            Assert.That(Server.Counters.Count(ApiEndpoint.TokenReview, 401), Is.EqualTo(1), "refused once, never retried");
        });
    }
}
