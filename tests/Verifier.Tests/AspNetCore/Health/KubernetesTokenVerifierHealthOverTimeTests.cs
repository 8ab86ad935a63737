using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.AspNetCore.Health;
using Verifier.Testing;

namespace Verifier.Tests.AspNetCore.Health;

/// <summary>
/// <c>/healthz/ready</c> over the life of a real verifier whose key endpoints on LocalApiServer fail and recover,
/// with one <see cref="ManualTimeProvider"/> for the verifier, its refresh worker and the API server.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesTokenVerifierHealthOverTimeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    // Shorter than the worker's retry delay (10 s), so a fetch in flight (its timeout timer) is told apart from the
    // worker waiting for its next attempt.
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(3);
    private readonly ManualTimeProvider _time = new();
    private LocalClusterApp _cluster = null!;

    [SetUp]
    public async Task SetUp()
    {
        _cluster = await LocalClusterApp.StartAsync(
            builder =>
            {
                builder.Services.Configure<KubernetesTokenVerifierOptions>(o =>
                {
                    o.Audiences = [LocalClusterApp.Audience];
                    o.Keys.RefreshJitter = 0;
                    o.Keys.FetchTimeout = FetchTimeout;
                });
                builder.Services.AddHealthChecks().AddKubernetesTokenVerifier();
            },
            app => app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(KubernetesTokenVerifierHealthCheckDefaults.ReadyTag) }),
            _time,
            waitUntilReady: false,
            configureApi: api => api.Faults.SetKeyEndpoints(ApiFault.Unavailable()));
    }

    [TearDown]
    public async Task TearDown() => await _cluster.DisposeAsync();

    private async Task<(int Status, string Body)> ReadyAsync()
    {
        using var response = await _cluster.Client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The worker has finished its last attempt and is waiting on the manual clock: the earliest timer is longer than
    /// a fetch's timeout. "Any timer" is not enough: a fetch in flight has its own timeout timer on the same clock, and
    /// advancing then would run ahead of the worker's next delay (a race that made this test flaky under load).
    /// </summary>
    private Task WorkerWaitingAsync(Func<VerifierStatus, bool> condition) =>
        Eventually.WaitUntil(
            () => condition(_cluster.Verifier.GetStatus()) && _time.NextTimerDue - _time.GetUtcNow() > FetchTimeout,
            "the key worker waiting on the manual clock",
            Bound);

    private Task<(int Status, string Body)> ReadyEventuallyAsync(string expected) =>
        Eventually.ValueAsync(_ => ReadyAsync(), answer => answer.Body == expected, "/healthz/ready answering " + expected, Bound);

    [Test]
    public async Task Ready_AsKeysLoadAgeFailAndRecover_FollowsVerifierState()
    {
        // No key set yet: the first fetch failed.
        await WorkerWaitingAsync(s => s.LastKeyRefreshError is not null);
        var beforeKeys = await ReadyAsync();

        // The API server recovers; the retry (10 s later on the manual clock) loads the keys.
        _cluster.Api.Faults.ClearAll();
        _time.Advance(TimeSpan.FromSeconds(10));
        var loaded = await ReadyEventuallyAsync("Healthy");
        await WorkerWaitingAsync(s => s.IsReady);

        // The key endpoints fail again; past one refresh interval (1 h) the keys are stale.
        _cluster.Api.Faults.SetKeyEndpoints(ApiFault.Unavailable());
        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(11));
        var stale = await ReadyEventuallyAsync("Degraded");

        // Past the maximum staleness (24 h) verification refuses tokens: unhealthy.
        _time.Advance(TimeSpan.FromHours(23));
        var expired = await ReadyEventuallyAsync("Unhealthy");
        var expiredStatus = _cluster.Verifier.GetStatus();

        // Recovery: the next retry loads a fresh key set.
        await WorkerWaitingAsync(_ => true);
        _cluster.Api.Faults.ClearAll();
        _time.Advance(TimeSpan.FromSeconds(10));
        var recovered = await ReadyEventuallyAsync("Healthy");

        Assert.Multiple(() =>
        {
            Assert.That(beforeKeys, Is.EqualTo((503, "Unhealthy")));
            Assert.That(loaded, Is.EqualTo((200, "Healthy")));
            Assert.That(stale, Is.EqualTo((200, "Degraded")));
            Assert.That(expired, Is.EqualTo((503, "Unhealthy")));
            Assert.That(expiredStatus.KeysExpired, Is.True);
            Assert.That(recovered, Is.EqualTo((200, "Healthy")));
        });
    }
}
