using NUnit.Framework;
using Verifier.Testing;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// Watch mode end to end: AddKubernetesTokenVerifier against LocalApiServer over HTTPS, the watch worker listing and
/// watching for real, one manual clock for both. Revocations come from watch events, with zero TokenReviews.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class WatchModeTests : IAsyncDisposable
{
    private static readonly string[] Audience = [ApiServerHarness.Audience];

    private WatchModeHarness _harness = null!;

    private LocalApiServer Server => _harness.Server;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Test]
    public async Task VerifyAsync_PodDeleted_RejectedOnceTheDeletionLeewayPasses_WithoutTokenReview()
    {
        // MaxLag beyond the 91 s this test moves the clock, so the index stays trusted without bookmarks.
        _harness = await WatchModeHarness.StartAsync(o => o.Watch.MaxLag = TimeSpan.FromMinutes(10), s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True, "live pod");

        // kubectl delete pod: deletionTimestamp = now + 30 s; kube-apiserver keeps the token valid until 60 s past it.
        Server.DeletePod("default", "web-0");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Pod, "default", "web-0")?.DeletionTimestamp is not null, "the watch delivers the deletion timestamp");
        _harness.Time.Advance(TimeSpan.FromSeconds(90));
        var atLeewayEnd = await _harness.VerifyAsync(token);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var pastLeeway = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(atLeewayEnd.Succeeded, Is.True, "deletionTimestamp is exactly 60 s past: not yet deleted for kube-apiserver");
            Assert.That(pastLeeway.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(pastLeeway.Message, Is.EqualTo("service account token has been invalidated"));
            Assert.That(pastLeeway.Mode, Is.EqualTo(VerificationMode.Watch), "the index decided");
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_PodRecreatedWithNewUid_OldTokensRejectedAtOnce_NewAccepted()
    {
        _harness = await WatchModeHarness.StartAsync(seed: s => s.CreatePod("default", "web-0"));
        var oldToken = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(oldToken)).Succeeded, Is.True);

        var newUid = Server.RecreatePod("default", "web-0");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Pod, "default", "web-0")?.Uid == newUid, "the watch delivers the new pod");
        var newToken = _harness.PodToken("web-0");
        var stale = await _harness.VerifyAsync(oldToken);
        var fresh = await _harness.VerifyAsync(newToken);

        Assert.Multiple(() =>
        {
            Assert.That(stale.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(stale.Message, Does.Contain("does not match service account pod ref claim"));
            Assert.That(fresh.Succeeded, Is.True);
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_ServiceAccountDeleted_TokensRejectedWithoutTokenReview()
    {
        _harness = await WatchModeHarness.StartAsync(seed: s =>
        {
            s.CreateServiceAccount("default", "worker");
            s.CreatePod("default", "job-0", serviceAccount: "worker");
        });
        var token = Server.IssueToken("default", "worker", Audience, 3600, BoundObjectRef.Pod("job-0"));
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True);

        Server.DeleteServiceAccount("default", "worker");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.ServiceAccount, "default", "worker") is null, "the watch delivers the deletion");
        var result = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(result.Message, Is.EqualTo("serviceaccounts \"worker\" not found"));
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_BoundSecretDeleted_TokensRejectedWithoutTokenReview()
    {
        _harness = await WatchModeHarness.StartAsync(seed: s => s.CreateSecret("default", "bound"));
        var token = Server.IssueToken("default", "default", Audience, 3600, BoundObjectRef.Secret("bound"));
        Assert.That((await _harness.VerifyAsync(token)).Succeeded, Is.True);

        Server.DeleteSecret("default", "bound");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Secret, "default", "bound") is null, "the watch delivers the deletion");
        var result = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(result.Message, Is.EqualTo("service account token has been invalidated"));
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_NodeBoundTokenOfARecreatedNode_Rejected_PodBoundTokensNodeClaimsNotLookedUp()
    {
        _harness = await WatchModeHarness.StartAsync(seed: s =>
        {
            s.CreateNode("node-1");
            s.CreatePod("default", "web-0", nodeName: "node-1");
        });
        var nodeToken = Server.IssueToken("default", "default", Audience, 3600, BoundObjectRef.Node("node-1"));
        var podToken = _harness.PodToken("web-0");
        Assert.That((await _harness.VerifyAsync(nodeToken)).Succeeded, Is.True);

        Server.DeleteNode("node-1");
        var newNodeUid = Server.CreateNode("node-1");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Node, "", "node-1")?.Uid == newNodeUid, "the watch delivers the new node");
        var node = await _harness.VerifyAsync(nodeToken);
        var pod = await _harness.VerifyAsync(podToken);

        Assert.Multiple(() =>
        {
            Assert.That(node.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(node.Message, Does.Contain("does not match service account node ref claim"));
            Assert.That(pod.Succeeded, Is.True, "a pod-bound token's node claims are copied, not looked up (§4 step 9)");
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_PodTheIndexHasNotSeen_ConfirmedByTokenReviewOnce_ThenByTheWatch()
    {
        _harness = await WatchModeHarness.StartAsync(o => o.Watch.MaxLag = TimeSpan.FromMinutes(10));

        // Silence the streams first, so the pod is created "after the last event".
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall());
        var token = _harness.PodToken("late-0");
        var unseen = await _harness.VerifyAsync(token);
        Assert.That(_harness.TokenReviews, Is.EqualTo(1), "an object the index has never seen goes to TokenReview");

        // Reconnect the silenced streams (the stall detector, on the shared clock) and let the watch catch up.
        Server.Faults.Clear(ApiEndpoint.Watch);
        _harness.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Pod, "default", "late-0") is not null, "the watch delivers the pod");
        await _harness.WaitUntilTrustedAsync("every stream reconnected");
        _harness.Time.Advance(TimeSpan.FromSeconds(11));
        var followed = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(unseen.Succeeded, Is.True, "TokenReview confirmed it");
            Assert.That(followed.Succeeded, Is.True);
            Assert.That(_harness.TokenReviews, Is.EqualTo(1), "past hybrid's liveness TTL, the watch answers");
        });
    }

    [Test]
    public async Task VerifyAsync_FallbackConfirmationCached_EndsWhenTheDeletionLeewayTimerFires()
    {
        // A liveness TTL far beyond the leeway: only the index's timer can end the fallback's cached confirmation.
        _harness = await WatchModeHarness.StartAsync(
            o =>
            {
                o.Watch.MaxLag = TimeSpan.FromSeconds(30);
                o.Hybrid.LivenessTtl = TimeSpan.FromHours(1);
            },
            s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");
        Server.DeletePod("default", "web-0");
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Pod, "default", "web-0")?.DeletionTimestamp is not null, "the watch delivers the deletion timestamp");

        // The streams go silent: past MaxLag the index cannot vouch, so the fallback asks TokenReview (still within
        // the leeway: accepted) and caches the confirmation.
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall());
        _harness.Time.Advance(TimeSpan.FromSeconds(31));
        var confirmed = await _harness.VerifyAsync(token);
        var cached = await _harness.VerifyAsync(token);
        var reviews = _harness.TokenReviews;

        // deletionTimestamp (+30 s) + 60 s passes: the index's timer fires and ends the cached confirmation.
        _harness.Time.Advance(TimeSpan.FromSeconds(60));
        var pastLeeway = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(confirmed.Succeeded, Is.True, "within the leeway");
            Assert.That(cached.Succeeded, Is.True);
            Assert.That(reviews, Is.EqualTo(1), "the second verification was a cache hit");
            Assert.That(pastLeeway.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated), "the cached confirmation is gone");
            Assert.That(pastLeeway.Mode, Is.EqualTo(VerificationMode.TokenReview), "the silent index could not say; TokenReview was asked again");
            Assert.That(_harness.TokenReviews, Is.EqualTo(2));
        });
    }
}
