using NUnit.Framework;
using Verifier.Testing;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// Watch mode when the watch misbehaves (LocalApiServer's faults): dropped streams, 410 Expired, bookmarks only, the
/// API server down at the first list, a stream that goes silent, a list that is not JSON. Whatever happens, a deleted
/// object's token is never accepted once the index could know better, unknown bindings go to TokenReview, and the
/// index resyncs.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class WatchResilienceTests : IAsyncDisposable
{
    private WatchModeHarness _harness = null!;

    private LocalApiServer Server => _harness.Server;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Test]
    public async Task Watch_StreamsDropped_ReconnectFromTheLastVersion_DeletionSeenWithoutRelistOrTokenReview()
    {
        _harness = await WatchModeHarness.StartAsync(
            o =>
            {
                o.Watch.MaxLag = TimeSpan.FromMinutes(10);
                o.Watch.ReconnectDelay = TimeSpan.FromMilliseconds(1);
                o.Watch.MaxReconnectDelay = TimeSpan.FromMilliseconds(1);
            },
            s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        var lists = Server.Counters.Count(ApiEndpoint.List);
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");

        // Cut every open stream once (Times: one per stream), delete the pod while they are down.
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Drop() with { Times = _harness.Index.Scopes.Count });
        Server.DeletePod("default", "web-0", TimeSpan.Zero);
        // A stream cut before it carried anything backs off (ReconnectDelay, on the manual clock): move the clock while waiting.
        await Eventually.WaitUntilPumping(
            _harness.Time, TimeSpan.FromMilliseconds(1), () => _harness.Indexed(WatchedKind.Pod, "default", "web-0") is null,
            "the reconnected watch delivers the deletion");
        var result = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.Watch));
            Assert.That(Server.Counters.Count(ApiEndpoint.List), Is.EqualTo(lists), "a drop resumes from the last resourceVersion, no relist");
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task Watch_VersionCompactedWhileSilent_410RelistsAndTheListShowsTheDeletion()
    {
        _harness = await WatchModeHarness.StartAsync(o => o.Watch.MaxLag = TimeSpan.FromSeconds(30), s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        var lists = Server.Counters.Count(ApiEndpoint.List);
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");

        // The streams go silent, the pod goes, history is compacted: the resumed watch gets 410 and must relist.
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall());
        Server.DeletePod("default", "web-0", TimeSpan.Zero);
        Server.CompactHistory();
        Server.Faults.Clear(ApiEndpoint.Watch);
        _harness.Time.Advance(TimeSpan.FromSeconds(31));
        await Eventually.WaitUntil(() => Server.Counters.Count(ApiEndpoint.List) >= lists + _harness.Index.Scopes.Count, "every stream relisted after 410");
        await _harness.WaitUntilTrustedAsync("the index resynced");
        var result = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.Watch), "the relist showed the pod gone");
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task Watch_OnlyBookmarksArrive_IndexStaysTrusted_NoTokenReview()
    {
        // Default MaxLag (90 s); the server bookmarks every 60 s on the shared clock.
        _harness = await WatchModeHarness.StartAsync(seed: s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");
        var version = Server.ResourceVersion;

        for (var i = 0; i < 3; i++)
        {
            _harness.Time.Advance(TimeSpan.FromSeconds(60));
            await Eventually.WaitUntil(() => _harness.Index.Lag(_harness.Time.GetUtcNow()) == TimeSpan.Zero, "a bookmark on every stream");
        }

        var result = await _harness.VerifyAsync(token);
        Assert.Multiple(() =>
        {
            Assert.That(Server.ResourceVersion, Is.EqualTo(version), "nothing changed: only bookmarks flowed");
            Assert.That(result.Succeeded, Is.True, "180 s without an event, yet trusted: bookmarks are signs of life");
            Assert.That(_harness.TokenReviews, Is.Zero);
        });
    }

    [Test]
    public async Task Watch_ApiServerDownDuringInitialList_FallsBackToTokenReview_ThenResyncs()
    {
        _harness = await WatchModeHarness.StartAsync(seed: s =>
        {
            s.CreatePod("default", "web-0");
            s.Faults.Set(ApiEndpoint.List, ApiFault.Unavailable());
        }, waitForSync: false);
        var token = _harness.PodToken("web-0");

        var whileDown = await _harness.VerifyAsync(token);
        var status = _harness.Inner.Verifier.GetStatus();
        Server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Unavailable());
        _harness.Time.Advance(TimeSpan.FromSeconds(11));
        var bothDown = await _harness.VerifyAsync(token);
        Server.Faults.ClearAll();

        // Backoff runs on the shared clock: move it while the worker waits, until every stream has listed.
        await Eventually.WaitUntil(
            () =>
            {
                if (!_harness.Index.IsSynced)
                {
                    _harness.Time.Advance(TimeSpan.FromSeconds(1));
                }

                return _harness.Index.IsSynced;
            },
            "the index syncs once the API server is back");
        await _harness.WaitUntilTrustedAsync("every stream trusted");
        _harness.Time.Advance(TimeSpan.FromSeconds(11));
        var reviews = _harness.TokenReviews;
        var synced = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(whileDown.Succeeded, Is.True, "not synced: TokenReview confirmed the binding");
            Assert.That(status.WatchSynced, Is.False);
            Assert.That(bothDown.Reason, Is.EqualTo(VerificationFailureReason.ApiServerUnavailable));
            Assert.That(bothDown.IsTransient, Is.True, "a valid token is never refused for good because nobody could confirm it");
            Assert.That(synced.Succeeded, Is.True);
            Assert.That(_harness.TokenReviews, Is.EqualTo(reviews), "synced: the index answers");
            Assert.That(_harness.Inner.Verifier.GetStatus().WatchSynced, Is.True);
        });
    }

    [Test]
    public async Task Watch_StreamStalls_FallsBackWithoutAcceptingADeletedPodsToken_ThenResyncs()
    {
        _harness = await WatchModeHarness.StartAsync(o => o.Watch.MaxLag = TimeSpan.FromSeconds(30), s => s.CreatePod("default", "web-0"));
        var token = _harness.PodToken("web-0");
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");
        var watches = Server.Counters.Count(ApiEndpoint.Watch);

        // Silent streams, and the pod goes: the index cannot know.
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall());
        Server.DeletePod("default", "web-0", TimeSpan.Zero);
        _harness.Time.Advance(TimeSpan.FromSeconds(31));
        var stalled = await _harness.VerifyAsync(token);
        var status = _harness.Inner.Verifier.GetStatus();

        // The stall detector reconnected every stream (into the still-silent server); let the next ones through.
        await Eventually.WaitUntil(() => Server.Counters.Count(ApiEndpoint.Watch) >= watches + _harness.Index.Scopes.Count, "every stream reconnected");
        Server.Faults.Clear(ApiEndpoint.Watch);
        _harness.Time.Advance(TimeSpan.FromSeconds(31));
        await _harness.WaitForIndex(h => h.Indexed(WatchedKind.Pod, "default", "web-0") is null, "the deletion arrives after the reconnect");
        await _harness.WaitUntilTrustedAsync("the index resynced");
        var reviews = _harness.TokenReviews;
        var resynced = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(stalled.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated), "lost watch: TokenReview answered, and refused");
            Assert.That(stalled.Mode, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(status.WatchSynced, Is.False);
            Assert.That(resynced.Reason, Is.EqualTo(VerificationFailureReason.BindingInvalidated));
            Assert.That(resynced.Mode, Is.EqualTo(VerificationMode.Watch), "resynced: the index answers");
            Assert.That(_harness.TokenReviews, Is.EqualTo(reviews));
        });
    }
}
