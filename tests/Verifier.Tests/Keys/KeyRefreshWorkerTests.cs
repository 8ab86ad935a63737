using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KeyRefreshWorkerTests : IDisposable
{
    private VerifierHarness? _harness;
    private KeyRefreshWorker? _worker;

    public void Dispose()
    {
        _worker?.StopAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(10));
        _worker?.Dispose();
        _harness?.Dispose();
    }

    // Shorter than every delay the worker uses, so a fetch's own timeout timer is never taken for the worker's delay.
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(3);

    private async Task<VerifierHarness> StartAsync(Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        _harness = new VerifierHarness(configure: o =>
        {
            o.Keys.RefreshJitter = 0;
            o.Keys.FetchTimeout = FetchTimeout;
            configure?.Invoke(o);
        });
        _worker = new KeyRefreshWorker(_harness.Store, Microsoft.Extensions.Options.Options.Create(_harness.Options), _harness.Time, NullLogger<KeyRefreshWorker>.Instance);
        await _worker.StartAsync(CancellationToken.None);
        return _harness;
    }

    // The worker is parked in Task.Delay when exactly one timer is scheduled and it is longer than a fetch's timeout:
    // the shared fetch runs under a timeout timer on the same clock, so "one timer" alone can be that one (a race
    // that made these tests flaky on a loaded machine).
    private static Task WaitForDelayAsync(VerifierHarness harness, int fetches) =>
        Eventually.WaitUntil(() => harness.Memory.FetchCount == fetches && harness.Time.ActiveTimerCount == 1
            && harness.Time.NextTimerDue - harness.Time.GetUtcNow() > FetchTimeout, $"the worker parks after fetch {fetches}");

    [Test]
    public async Task Worker_Started_LoadsKeysThenRefreshesEveryInterval()
    {
        var harness = await StartAsync();
        await WaitForDelayAsync(harness, 1);
        var readyAfterStart = harness.Store.IsReady;

        harness.Time.Advance(TimeSpan.FromMinutes(59));
        var beforeInterval = harness.Memory.FetchCount;
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitForDelayAsync(harness, 2);

        Assert.That(readyAfterStart, Is.True);
        Assert.That(beforeInterval, Is.EqualTo(1));
    }

    [Test]
    public async Task Worker_JwksMaxAgeShorterThanInterval_RefreshesWhenItRunsOut()
    {
        var harness = await StartAsync();
        await WaitForDelayAsync(harness, 1);
        harness.Memory.MaxAge = TimeSpan.FromSeconds(30);
        harness.Time.Advance(TimeSpan.FromHours(1));
        await WaitForDelayAsync(harness, 2);
        harness.Time.Advance(TimeSpan.FromSeconds(29));
        var before = harness.Memory.FetchCount;
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitForDelayAsync(harness, 3);

        Assert.That(before, Is.EqualTo(2), "not before max-age runs out");
    }

    [Test]
    public async Task Worker_JwksMaxAgeZero_WaitsTheFloorNotABusyLoop()
    {
        var harness = await StartAsync();
        await WaitForDelayAsync(harness, 1);
        harness.Memory.MaxAge = TimeSpan.Zero;
        harness.Time.Advance(TimeSpan.FromHours(1));
        await WaitForDelayAsync(harness, 2);
        harness.Time.Advance(KeyRefreshWorker.MinimumMaxAgeDelay - TimeSpan.FromMilliseconds(1));
        var before = harness.Memory.FetchCount;
        harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForDelayAsync(harness, 3);

        Assert.That(before, Is.EqualTo(2));
    }

    [TestCase(null, 3600, 3600, TestName = "NextRefreshDelay_NoMaxAge_RefreshInterval")]
    [TestCase(30, 3600, 30, TestName = "NextRefreshDelay_MaxAgeWithinBounds_MaxAge")]
    [TestCase(0, 3600, 5, TestName = "NextRefreshDelay_MaxAgeZero_Floor")]
    [TestCase(2, 3600, 5, TestName = "NextRefreshDelay_MaxAgeBelowFloor_Floor")]
    [TestCase(7200, 3600, 3600, TestName = "NextRefreshDelay_MaxAgeAboveInterval_RefreshInterval")]
    [TestCase(3, 4, 4, TestName = "NextRefreshDelay_FloorAboveInterval_RefreshInterval")]
    public void NextRefreshDelay_WithoutJitter_ClampedToFloorAndInterval(int? maxAgeSeconds, int intervalSeconds, int expectedSeconds)
    {
        var maxAge = maxAgeSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;

        var delay = KeyRefreshWorker.NextRefreshDelay(maxAge, TimeSpan.FromSeconds(intervalSeconds), 0);

        Assert.That(delay, Is.EqualTo(TimeSpan.FromSeconds(expectedSeconds)));
    }

    [TestCase(30, 30, 31)]
    [TestCase(0, 5, 5.5)]
    [TestCase(600, 600, 601)]
    public void NextRefreshDelay_WithJitter_OnlyLaterAndAtMostTheLimit(int maxAgeSeconds, double lowSeconds, double highSeconds)
    {
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 200; i++)
        {
            delays.Add(KeyRefreshWorker.NextRefreshDelay(TimeSpan.FromSeconds(maxAgeSeconds), TimeSpan.FromHours(1), 0.1));
        }

        Assert.Multiple(() =>
        {
            Assert.That(delays, Has.All.InRange(TimeSpan.FromSeconds(lowSeconds), TimeSpan.FromSeconds(highSeconds)));
            Assert.That(delays.Distinct().Count(), Is.GreaterThan(1), "jittered");
        });
    }

    [Test]
    public async Task Worker_FetchFails_RetriesAfterRetryInterval()
    {
        _harness = null;
        var harness = await StartAsync(o => o.Keys.RetryInterval = TimeSpan.FromSeconds(10));
        await WaitForDelayAsync(harness, 1);
        harness.Memory.Failure = new KeyFetchException("down");
        harness.Time.Advance(TimeSpan.FromHours(1));
        await WaitForDelayAsync(harness, 2);

        harness.Time.Advance(TimeSpan.FromSeconds(10));
        await WaitForDelayAsync(harness, 3);
        harness.Memory.Failure = null;
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        await WaitForDelayAsync(harness, 4);
        harness.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.That(harness.Memory.FetchCount, Is.EqualTo(4), "back on the hourly interval after a success");
    }

    [Test]
    public async Task Worker_TokenReviewMode_NeverFetchesKeys()
    {
        var harness = await StartAsync(o =>
        {
            o.Mode = VerificationMode.TokenReview;
            o.ApiServer.Server = new Uri("https://127.0.0.1:6443");
        });
        await _worker!.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(harness.Memory.FetchCount, Is.Zero);
    }

    [TestCase(0.1)]
    [TestCase(0.5)]
    public void Jittered_StaysWithinTheJitterBand(double jitter)
    {
        var interval = TimeSpan.FromHours(1);
        var samples = Enumerable.Range(0, 500).Select(_ => KeyRefreshWorker.Jittered(interval, jitter)).ToArray();

        Assert.That(samples, Is.All.InRange(interval * (1 - jitter), interval * (1 + jitter)));
        Assert.That(samples.Distinct().Count(), Is.GreaterThan(100));
    }
}
