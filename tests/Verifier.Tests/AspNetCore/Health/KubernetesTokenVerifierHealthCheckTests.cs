using NUnit.Framework;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Verifier;
using Verifier.AspNetCore.Health;
using Verifier.Testing;

namespace Verifier.Tests.AspNetCore.Health;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesTokenVerifierHealthCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeVerifier _verifier = FakeVerifier.Canned();
    private readonly ManualTimeProvider _time = new(Start);

    private static VerifierStatus Status(bool ready = true, bool stale = false, bool expired = false, bool? apiServerHealthy = null) => new()
    {
        Mode = VerificationMode.Local,
        IsReady = ready,
        KeysFetchedAt = ready ? Start : null,
        KeyCount = ready ? 2 : 0,
        KeysStale = stale,
        KeysExpired = expired,
        ApiServerHealthy = apiServerHealthy,
        LastKeyRefreshError = stale ? "connection refused" : null,
    };

    private async Task<HealthCheckResult> CheckAsync(VerifierStatus status)
    {
        _verifier.Status = status;
        var check = new KubernetesTokenVerifierHealthCheck(_verifier, _time);
        var registration = new HealthCheckRegistration("v", check, HealthStatus.Unhealthy, null);
        return await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });
    }

    [Test]
    public async Task Check_NotReady_IsUnhealthy()
    {
        var result = await CheckAsync(Status(ready: false));

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
    }

    [Test]
    public async Task Check_ReadyAndFresh_IsHealthyWithKeyAge()
    {
        _time.Advance(TimeSpan.FromMinutes(5));

        var result = await CheckAsync(Status(apiServerHealthy: true));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(result.Data["keysAgeSeconds"], Is.EqualTo(300d));
            Assert.That(result.Data["keyCount"], Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Check_KeysStale_IsDegradedWithLastError()
    {
        var result = await CheckAsync(Status(stale: true));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(result.Data["lastKeyRefreshError"], Is.EqualTo("connection refused"));
        });
    }

    [Test]
    public async Task Check_WatchIndexNotSynced_IsDegradedWithItsLag()
    {
        var result = await CheckAsync(Status() with { Mode = VerificationMode.Watch, WatchSynced = false, WatchLag = TimeSpan.FromSeconds(120) });

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(result.Description, Does.Contain("watch index"));
            Assert.That(result.Data["watchSynced"], Is.EqualTo(false));
            Assert.That(result.Data["watchLagSeconds"], Is.EqualTo(120.0));
        });
    }

    [Test]
    public async Task Check_WatchIndexSynced_IsHealthy()
    {
        var result = await CheckAsync(Status() with { Mode = VerificationMode.Watch, WatchSynced = true, WatchLag = TimeSpan.FromSeconds(3) });

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task Check_ApiServerFailing_IsDegraded()
    {
        var result = await CheckAsync(Status(apiServerHealthy: false));

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public async Task Check_KeysExpired_IsUnhealthy()
    {
        var result = await CheckAsync(Status(stale: true, expired: true));

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
    }

    [Test]
    public async Task MapHealthChecks_ReadyTag_ServesVerifierState()
    {
        await using var app = await TestWebApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IServiceAccountTokenVerifier>(_verifier);
                builder.Services.AddHealthChecks().AddKubernetesTokenVerifier();
            },
            app => app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(KubernetesTokenVerifierHealthCheckDefaults.ReadyTag) }));
        using var client = app.GetTestClient();

        _verifier.Status = Status(ready: false);
        using var before = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        _verifier.Status = Status(stale: true);
        using var degraded = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        _verifier.Status = Status();
        using var healthy = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await before.Content.ReadAsStringAsync(), Is.EqualTo("Unhealthy"));
            Assert.That(degraded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await degraded.Content.ReadAsStringAsync(), Is.EqualTo("Degraded"));
            Assert.That(await healthy.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
        });
    }
}
