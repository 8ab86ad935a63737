using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.Hybrid;

/// <summary>Hybrid mode's own logic over a scripted local verifier and transport; the end-to-end cases run against LocalApiServer.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class HybridVerificationTests : IDisposable
{
    private readonly ReviewTestContext _context = new();
    private readonly FakeVerifier _local = new(VerificationMode.Local);
    private TokenVerifier? _verifier;

    public HybridVerificationTests()
    {
        _context.Options.TokenReview.MaxRetries = 0;

        // Tokens are named "pod-N/anything": local verification puts them in pod N.
        _local.Respond = token => token.StartsWith("bad", StringComparison.Ordinal)
            ? TokenVerificationResult.Failure(VerificationFailureReason.Expired, "service account token has expired")
            : TokenVerificationResult.Success(FakeVerifier.Identity(podName: token.Split('/')[0], podUid: token.Split('/')[0] + "-uid"));
    }

    private HybridVerification? _hybrid;

    private HybridVerification Hybrid => _hybrid ??= new HybridVerification(
        _local, _context.Reviewer, _context.Hasher, _context.Options.Hybrid, _context.Metrics, _context.Time, NullLogger<HybridVerification>.Instance);

    private TokenVerifier Verifier => _verifier ??= _context.Wrap(Hybrid, VerificationMode.Hybrid);

    private FakeTokenReviewTransport Transport => _context.Transport;

    private HybridOptions Options => _context.Options.Hybrid;

    public void Dispose() => _context.Dispose();

    [Test]
    public async Task VerifyAsync_FailsLocally_RejectedWithoutApiCall()
    {
        var result = await Verifier.VerifyAsync("bad-token");
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.Expired));
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.Local), "the offline check decided");
            Assert.That(Transport.Calls, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_PassesLocallyAndBindingLive_AcceptedWithLocalIdentity()
    {
        var result = await Verifier.VerifyAsync("pod-1/a");
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.Local), "accepted: the identity is the offline one, the binding confirmed");
            Assert.That(result.Identity!.KeyId, Is.EqualTo("kid-1"), "the local identity, with its key id and issuer");
            Assert.That(Transport.Tokens.Single(), Is.EqualTo("pod-1/a"), "the binding is confirmed with the presented token");
        });
    }

    [Test]
    public async Task VerifyAsync_1000RequestsOf100TokensIn10Pods_TenReviews()
    {
        var tokens = Enumerable.Range(0, 100).Select(i => $"pod-{i % 10}/token-{i}").ToArray();
        for (var round = 0; round < 10; round++)
        {
            var results = await Task.WhenAll(tokens.Select(t => Verifier.VerifyAsync(t).AsTask()));
            Assert.That(results.All(r => r.Succeeded), Is.True);
        }

        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(10));
            Assert.That(Hybrid.BindingCount, Is.EqualTo(10));
        });
    }

    [Test]
    public async Task VerifyAsync_ConcurrentTokensOfOneBinding_ShareOneReview()
    {
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = Enumerable.Range(0, 50).Select(i => Verifier.VerifyAsync($"pod-1/token-{i}").AsTask()).ToArray();
        await Eventually.WaitUntil(() => Transport.Calls == 1, "the binding review");

        Transport.Gate.SetResult();
        var results = await Task.WhenAll(pending);
        Assert.Multiple(() =>
        {
            Assert.That(results.All(r => r.Succeeded), Is.True);
            Assert.That(Transport.Calls, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task VerifyAsync_AfterLivenessTtl_BindingReviewedAgain()
    {
        await Verifier.VerifyAsync("pod-1/a");
        _context.Time.Advance(Options.LivenessTtl - TimeSpan.FromMilliseconds(1));
        await Verifier.VerifyAsync("pod-1/b");
        Assert.That(Transport.Calls, Is.EqualTo(1));

        _context.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Verifier.VerifyAsync("pod-1/b");
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task VerifyAsync_BindingInvalidated_RejectedAndRememberedForTtl()
    {
        Transport.Respond = _ => FakeTokenReviewTransport.Invalidated();
        var first = await Verifier.VerifyAsync("pod-1/a");
        var sibling = await Verifier.VerifyAsync("pod-1/b");

        Assert.Multiple(() =>
        {
            Assert.That(first.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(first.Message, Does.Contain("service account token has been invalidated"));
            Assert.That(first.Mode, Is.EqualTo(VerificationMode.TokenReview), "the API server's answer decided");
            Assert.That(sibling, Is.SameAs(first), "another token of the binding shares the remembered verdict");
            Assert.That(Transport.Calls, Is.EqualTo(1));
        });

        // After the TTL the API server is asked again (a binding is not dead forever in our memory).
        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated();
        _context.Time.Advance(Options.LivenessTtl);
        Assert.That((await Verifier.VerifyAsync("pod-1/a")).Succeeded, Is.True);
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task VerifyAsync_OtherBindingInvalidated_ThisBindingUnaffected()
    {
        Transport.Respond = token => token.StartsWith("pod-1/", StringComparison.Ordinal) ? FakeTokenReviewTransport.Invalidated() : FakeTokenReviewTransport.Authenticated();
        Assert.Multiple(async () =>
        {
            Assert.That((await Verifier.VerifyAsync("pod-1/a")).Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That((await Verifier.VerifyAsync("pod-2/a")).Succeeded, Is.True);
        });
    }

    [Test]
    public async Task VerifyAsync_ReviewedTokenRejectedForOwnReason_OnlyThatTokenRejected()
    {
        // The API server's clock says this one token expired; that says nothing about the pod.
        Transport.Respond = token => token == "pod-1/old" ? FakeTokenReviewTransport.Expired() : FakeTokenReviewTransport.Authenticated();

        var old = await Verifier.VerifyAsync("pod-1/old");
        var fresh = await Verifier.VerifyAsync("pod-1/fresh");

        Assert.Multiple(() =>
        {
            Assert.That(old.Reason, Is.EqualTo(VerificationFailureReason.NotAuthenticated));
            Assert.That(old.Message, Does.Contain("has expired"));
            Assert.That(fresh.Succeeded, Is.True);
            Assert.That(Transport.Calls, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task VerifyAsync_JoinedFlightOfTokenRejectedForOwnReason_OwnTokenReviewed()
    {
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Transport.Respond = token => token == "pod-1/old" ? FakeTokenReviewTransport.Expired() : FakeTokenReviewTransport.Authenticated();
        var old = Verifier.VerifyAsync("pod-1/old").AsTask();
        await Eventually.WaitUntil(() => Transport.Calls == 1, "the first review");
        var joined = Verifier.VerifyAsync("pod-1/fresh").AsTask();

        Transport.Gate.SetResult();
        Assert.Multiple(async () =>
        {
            Assert.That((await old).Reason, Is.EqualTo(VerificationFailureReason.NotAuthenticated));
            Assert.That((await joined).Succeeded, Is.True);
            Assert.That(Transport.Calls, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task VerifyAsync_ApiServerDownByDefault_FailsClosed()
    {
        await Verifier.VerifyAsync("pod-1/a");
        _context.Time.Advance(Options.LivenessTtl);
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();

        var result = await Verifier.VerifyAsync("pod-1/a");
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(result.IsTransient, Is.True);
            Assert.That(result.Message, Does.Contain("unable to handle the request"));
        });
    }

    [Test]
    public async Task VerifyAsync_ApiServerDownWithGrace_AcceptedWithinGraceOnly()
    {
        Options.OutageGrace = TimeSpan.FromMinutes(2);
        await Verifier.VerifyAsync("pod-1/a");
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();

        _context.Time.Advance(TimeSpan.FromMinutes(2));
        var within = await Verifier.VerifyAsync("pod-1/b");
        _context.Time.Advance(TimeSpan.FromMilliseconds(1));
        var after = await Verifier.VerifyAsync("pod-1/b");
        var neverConfirmed = await Verifier.VerifyAsync("pod-2/a");

        Assert.Multiple(() =>
        {
            Assert.That(within.Succeeded, Is.True, "confirmed exactly the grace ago");
            Assert.That(after.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(neverConfirmed.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
        });
    }

    [Test]
    public async Task VerifyAsync_OutageWithinGrace_OneAttemptPerBindingPerTtl()
    {
        Options.OutageGrace = TimeSpan.FromMinutes(5);
        await Verifier.VerifyAsync("pod-1/a");
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        _context.Time.Advance(Options.LivenessTtl);

        for (var i = 0; i < 20; i++)
        {
            Assert.That((await Verifier.VerifyAsync("pod-1/t" + i)).Succeeded, Is.True);
        }

        Assert.That(Transport.Calls, Is.EqualTo(2), "one confirmation, then one failed attempt for the whole TTL");
        _context.Time.Advance(Options.LivenessTtl);
        await Verifier.VerifyAsync("pod-1/a");
        Assert.That(Transport.Calls, Is.EqualTo(3));
    }

    [Test]
    public async Task VerifyAsync_OutageGraceEndsWithinTtl_NotExtendedPastGrace()
    {
        Options.OutageGrace = TimeSpan.FromSeconds(15);
        await Verifier.VerifyAsync("pod-1/a");
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();

        _context.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.That((await Verifier.VerifyAsync("pod-1/a")).Succeeded, Is.True, "10 s after the confirmation: graced");
        _context.Time.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(1));
        Assert.That((await Verifier.VerifyAsync("pod-1/a")).Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable),
            "the graced verdict lasts until the grace ends, not a full TTL");
    }

    [Test]
    public async Task VerifyAsync_InvalidatedBindingDuringOutageWithGrace_StillRejected()
    {
        Options.OutageGrace = TimeSpan.FromMinutes(5);
        await Verifier.VerifyAsync("pod-1/a");
        _context.Time.Advance(Options.LivenessTtl);
        Transport.Respond = _ => FakeTokenReviewTransport.Invalidated();
        await Verifier.VerifyAsync("pod-1/a");
        _context.Time.Advance(Options.LivenessTtl);
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();

        var result = await Verifier.VerifyAsync("pod-1/a");
        Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable), "the grace only extends a live verdict");
    }

    [Test]
    public async Task VerifyAsync_OwnCredentialsRefused_VerifierMisconfigured()
    {
        Transport.Respond = _ => FakeTokenReviewTransport.Forbidden();
        var result = await Verifier.VerifyAsync("pod-1/a");
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.VerifierMisconfigured));
            Assert.That(result.Message, Does.Contain("cannot create resource \"tokenreviews\""));
        });
    }

    [Test]
    public async Task VerifyAsync_LegacyTokensOfOneServiceAccount_ConfirmedPerToken()
    {
        _local.Respond = _ => TokenVerificationResult.Success(new ServiceAccountIdentity("default", "legacy")
        {
            ServiceAccountUid = "sa-uid",
            SecretName = "legacy-token-abcde",
            IsLegacy = true,
        });
        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated(name: "legacy", podName: null, podUid: null);

        await Verifier.VerifyAsync("legacy-1");
        await Verifier.VerifyAsync("legacy-2");
        await Verifier.VerifyAsync("legacy-1");
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task VerifyAsync_ReviewAuthenticatesAnotherUser_RejectedAndNotRemembered()
    {
        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated(name: "someone-else");
        var result = await Verifier.VerifyAsync("pod-1/a");
        var again = await Verifier.VerifyAsync("pod-1/a");

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.NotAuthenticated));
            Assert.That(result.Message, Does.Contain("someone-else").And.Contain("system:serviceaccount:default:web"));
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(again.Succeeded, Is.False);
            Assert.That(Transport.Calls, Is.EqualTo(2), "a mismatch confirms nothing about the binding");
        });
    }

    [Test]
    public async Task GetStatus_LocalStatusWithApiServerHealth()
    {
        _local.Status = new VerifierStatus { Mode = VerificationMode.Local, IsReady = true, KeyCount = 2 };
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        await Verifier.VerifyAsync("pod-1/a");

        var status = Verifier.GetStatus();
        Assert.Multiple(() =>
        {
            Assert.That(status.Mode, Is.EqualTo(VerificationMode.Hybrid));
            Assert.That(status.KeyCount, Is.EqualTo(2));
            Assert.That(status.ApiServerHealthy, Is.False);
            Assert.That(status.LastApiServerError, Does.Contain("unable to handle"));
        });
    }
}
