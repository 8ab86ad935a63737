using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;
using Verifier.AspNetCore.Health;
using Verifier.Diagnostics;
using Verifier.Testing;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// What an operator sees of watch mode, from the real verifier against LocalApiServer: the <c>verifier.watch.*</c>
/// metrics as the index syncs, falls back, reconnects and revokes, and the health check (Degraded until synced).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class WatchTelemetryTests : IAsyncDisposable
{
    private WatchModeHarness _harness = null!;

    private LocalApiServer Server => _harness.Server;

    public async ValueTask DisposeAsync() => await (_harness?.DisposeAsync() ?? ValueTask.CompletedTask);

    /// <summary>The API server refuses lists until <see cref="SyncAsync"/>; reconnects back off 1 ms on the manual clock.</summary>
    private async Task StartUnsyncedAsync() => _harness = await WatchModeHarness.StartAsync(
        o =>
        {
            o.Watch.MaxLag = TimeSpan.FromMinutes(10);
            o.Watch.ReconnectDelay = TimeSpan.FromMilliseconds(1);
            o.Watch.MaxReconnectDelay = TimeSpan.FromMilliseconds(1);
        },
        s =>
        {
            s.CreatePod("default", "web-0");
            s.CreatePod("default", "web-1");
            s.Faults.Set(ApiEndpoint.List, ApiFault.Unavailable());
        },
        waitForSync: false);

    /// <summary>Lets the lists through and moves the clock (the worker backs off on it) until every stream has listed.</summary>
    private async Task SyncAsync()
    {
        Server.Faults.ClearAll();
        await Eventually.WaitUntilPumping(_harness.Time, TimeSpan.FromMilliseconds(10), () => _harness.Index.IsSynced, "the index syncs once lists are answered");
    }

    [Test]
    public async Task Metrics_NotSyncedFallbackSyncReconnectRevocation_EachReported()
    {
        await StartUnsyncedAsync();

        // The worker builds the index in the background (ExecuteAsync); until then the gauges have no source.
        _ = _harness.Index;
        var meter = _harness.Inner.Services.GetRequiredService<VerifierMetrics>().Meter;
        using var synced = new MetricCollector<int>(meter, "verifier.watch.synced");
        using var lag = new MetricCollector<double>(meter, "verifier.watch.lag");
        using var objects = new MetricCollector<long>(meter, "verifier.watch.objects");
        using var relists = new MetricCollector<long>(meter, "verifier.watch.relists");
        using var reconnects = new MetricCollector<long>(meter, "verifier.watch.reconnects");
        using var revocations = new MetricCollector<long>(meter, "verifier.watch.revocations");
        using var fallbacks = new MetricCollector<long>(meter, "verifier.watch.fallbacks");

        synced.RecordObservableInstruments();
        var syncedBefore = synced.LastMeasurement?.Value;
        var whileUnsynced = await _harness.VerifyAsync(_harness.PodToken("web-0"));

        await SyncAsync();
        synced.RecordObservableInstruments();
        lag.RecordObservableInstruments();
        objects.RecordObservableInstruments();
        var indexed = _harness.Index.ObjectCount;

        // Cut every open stream once, and delete a pod: the reconnected pods stream delivers the deletion.
        await Eventually.WaitUntil(() => Server.OpenWatchCount == _harness.Index.Scopes.Count, "every watch open");
        Server.Faults.Set(ApiEndpoint.Watch, ApiFault.Drop() with { Times = _harness.Index.Scopes.Count });
        Server.DeletePod("default", "web-1", TimeSpan.Zero);
        await Eventually.WaitUntilPumping(_harness.Time, TimeSpan.FromMilliseconds(1), () => revocations.GetMeasurementSnapshot().Count > 0, "the deletion is revoked");

        Assert.Multiple(() =>
        {
            Assert.That(whileUnsynced.Succeeded, Is.True, "TokenReview confirmed it");
            Assert.That(fallbacks.GetMeasurementSnapshot().Select(m => m.Tags["cause"]), Is.EqualTo(new[] { "not_trusted" }));
            Assert.That(syncedBefore, Is.Zero, "not synced while lists fail");
            Assert.That(synced.LastMeasurement?.Value, Is.EqualTo(1));
            Assert.That(objects.LastMeasurement?.Value, Is.EqualTo(indexed).And.GreaterThanOrEqualTo(2));
            Assert.That(lag.LastMeasurement?.Value, Is.GreaterThanOrEqualTo(0).And.LessThan(600));
            Assert.That(relists.GetMeasurementSnapshot().Select(m => m.Tags["resource"]),
                Is.EquivalentTo(new[] { "pods", "serviceaccounts", "secrets", "nodes" }), "one complete list per stream");
            Assert.That(reconnects.GetMeasurementSnapshot().Select(m => m.Tags["cause"]), Has.Some.EqualTo("dropped"));
            Assert.That(revocations.GetMeasurementSnapshot().Select(m => (m.Tags["kind"], m.Tags["cause"])),
                Is.EqualTo(new[] { ((object?)"pod", (object?)"deleted") }));
        });
    }

    [Test]
    public async Task HealthCheck_RealWatchVerifier_DegradedUntilTheIndexSyncs_ThenHealthy()
    {
        await StartUnsyncedAsync();
        var check = new KubernetesTokenVerifierHealthCheck(_harness.Inner.Verifier, _harness.Time);
        var registration = new HealthCheckRegistration("verifier", check, HealthStatus.Unhealthy, ["ready"]);

        var unsynced = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });
        await SyncAsync();
        await _harness.WaitUntilTrustedAsync("every stream trusted");
        var synced = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });

        Assert.Multiple(() =>
        {
            Assert.That(unsynced.Status, Is.EqualTo(HealthStatus.Degraded), "keys are loaded, the index is not: degraded, tokens still verified through TokenReview");
            Assert.That(unsynced.Description, Does.Contain("watch index"));
            Assert.That(unsynced.Data["watchSynced"], Is.EqualTo(false));
            Assert.That(synced.Status, Is.EqualTo(HealthStatus.Healthy), synced.Description);
            Assert.That(synced.Data["watchSynced"], Is.EqualTo(true));
        });
    }
}
