using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier.Client;
using Verifier.Diagnostics;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Client;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ProjectedTokenSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();
    private readonly FakeLogger _logs = new();
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly VerifierMetrics _metrics;
    private readonly MetricCollector<long> _warnings;
    private readonly KubeletTokenDirectory _kubelet;
    private readonly List<ProjectedTokenSource> _sources = [];

    public ProjectedTokenSourceTests()
    {
        _metrics = new VerifierMetrics(_meters.GetRequiredService<IMeterFactory>(), _time);
        _warnings = new MetricCollector<long>(_metrics.Meter, "verifier.client.token.warnings");
        _kubelet = new KubeletTokenDirectory(_dir.Path);
    }

    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.Dispose();
        }

        _warnings.Dispose();
        _meters.Dispose();
        _dir.Dispose();
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The client warning counter's recordings as (source, kind).</summary>
    private (string Source, string Kind)[] Warnings() =>
        [.. _warnings.GetMeasurementSnapshot().Select(m => ((string)m.Tags["source"]!, (string)m.Tags["kind"]!))];

    // A 600 s token issued `age` ago, like the example's projection (expirationSeconds: 600).
    private string Token(TimeSpan age, string subject = "system:serviceaccount:token-demo:token-client-test") =>
        KubeTokens.Unsigned(Now - age, Now - age + TimeSpan.FromSeconds(600), subject);

    private ProjectedTokenSource Create(bool watch = true, string? path = null)
    {
        var source = new ProjectedTokenSource(
            new ProjectedTokenSourceOptions { Path = path ?? _kubelet.TokenPath, WatchForChanges = watch },
            _time, _logs, _metrics);
        _sources.Add(source);
        return source;
    }


    [Test]
    public async Task GetTokenAsync_KubeletLayout_ReturnsTokenWithExpiryAndAge()
    {
        var token = Token(TimeSpan.FromSeconds(100));
        _kubelet.Write(token);
        var source = Create();

        var value = await source.GetTokenAsync();

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(token));
            Assert.That(source.Current!.ExpiresAt, Is.EqualTo(Now + TimeSpan.FromSeconds(500)));
            Assert.That(source.Current.GetAge(Now), Is.EqualTo(TimeSpan.FromSeconds(100)));
            Assert.That(source.Current.ToString(), Does.Not.Contain(token));
            Assert.That(source.LastError, Is.Null);
        });
    }

    [Test]
    public async Task Watcher_KubeletSwapsDataSymlink_NewTokenWithoutClockMoving()
    {
        var first = Token(TimeSpan.FromSeconds(480));
        _kubelet.Write(first);
        var source = Create(watch: true);
        Assert.That(await source.GetTokenAsync(), Is.EqualTo(first));

        var second = Token(TimeSpan.Zero, "rotated");
        _kubelet.Write(second);

        // Not a minute later: the manual clock stands still, so only the watcher can have seen the swap.
        await Eventually.WaitUntil(() => source.Current?.Value == second, "the watcher saw the swap");
        Assert.Multiple(async () =>
        {
            Assert.That(await source.GetTokenAsync(), Is.EqualTo(second));
            Assert.That(source.Current!.GetAge(Now), Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    public async Task Reread_NoWatcher_SwapSeenAfterInterval()
    {
        var first = Token(TimeSpan.FromSeconds(480));
        _kubelet.Write(first);
        var source = Create(watch: false);
        var second = Token(TimeSpan.Zero, "rotated");
        _kubelet.Write(second);

        var beforeInterval = await source.GetTokenAsync();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Multiple(async () =>
        {
            Assert.That(beforeInterval, Is.EqualTo(first));
            Assert.That(source.Current!.Value, Is.EqualTo(second), "the periodic timer re-read the file");
            Assert.That(await source.GetTokenAsync(), Is.EqualTo(second));
        });
    }

    [Test]
    public async Task ForceRefresh_RereadsAtOnce()
    {
        _kubelet.Write(Token(TimeSpan.FromSeconds(480)));
        var source = Create(watch: false);
        var second = Token(TimeSpan.Zero, "rotated");
        _kubelet.Write(second);

        Assert.That(await source.GetTokenAsync(forceRefresh: true), Is.EqualTo(second));
    }

    [Test]
    public void NearExpiry_KubeletStoppedRefreshing_WarnsOnceWithMetric()
    {
        // Issued 500 s ago: 83 %, past the kubelet's 80 % refresh point but below the 90 % warning.
        _kubelet.Write(Token(TimeSpan.FromSeconds(500)));
        using var source = Create(watch: false);
        var warningsBefore = _logs.Collector.GetSnapshot().Count(e => e.Id.Id == 1502);

        _time.Advance(TimeSpan.FromMinutes(1)); // 560 s: 93 %
        _time.Advance(TimeSpan.FromSeconds(30)); // no new re-read yet
        _time.Advance(TimeSpan.FromSeconds(30)); // 620 s... re-read again: already warned for this token

        Assert.Multiple(() =>
        {
            Assert.That(warningsBefore, Is.Zero);
            var warnings = _logs.Collector.GetSnapshot().Where(e => e.Id.Id == 1502).ToList();
            Assert.That(warnings, Has.Count.EqualTo(1));
            Assert.That(warnings[0].Level, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
            Assert.That(warnings[0].Message, Does.Contain("93 %").And.Contain(_kubelet.TokenPath));
            Assert.That(Warnings(), Is.EqualTo(new[] { ("projected", "near_expiry") }));
        });
    }

    [Test]
    public void NearExpiry_FreshTokenBelowThreshold_NoWarning()
    {
        _kubelet.Write(Token(TimeSpan.FromSeconds(100)));
        using var source = Create(watch: false);

        _time.Advance(TimeSpan.FromMinutes(6)); // 460 s: 77 %

        Assert.Multiple(() =>
        {
            Assert.That(_logs.Collector.GetSnapshot(), Has.None.Matches<FakeLogRecord>(e => e!.Id.Id == 1502));
            Assert.That(Warnings(), Is.Empty);
        });
    }

    [Test]
    public async Task GetTokenAsync_FileTokenExpiredAndNotRefreshed_ThrowsExpiredNeverServesIt()
    {
        _kubelet.Write(Token(TimeSpan.FromSeconds(590)));
        var source = Create(watch: false);
        Assert.That(await source.GetTokenAsync(), Is.Not.Empty);

        _time.Advance(TimeSpan.FromSeconds(10)); // exactly exp

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Expired));
            Assert.That(ex.Message, Does.Contain(_kubelet.TokenPath).And.Contain("not refreshed"));
        });
    }

    [Test]
    public async Task GetTokenAsync_ExpiredThenKubeletRecovers_ServesNewTokenAtOnce()
    {
        _kubelet.Write(Token(TimeSpan.FromSeconds(599)));
        var source = Create(watch: false);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        var fresh = Token(TimeSpan.Zero);
        _kubelet.Write(fresh);

        Assert.That(await source.GetTokenAsync(), Is.EqualTo(fresh), "an expired token makes every call re-read the file");
    }

    [Test]
    public async Task GetTokenAsync_FileVanishes_ServesOldUntilExpThenReportsReadFailure()
    {
        var path = _dir.Write("plain-token", Token(TimeSpan.FromSeconds(300)));
        var source = Create(watch: false, path: path);
        var token = await source.GetTokenAsync();
        File.Delete(path);

        _time.Advance(TimeSpan.FromMinutes(1));
        var whileValid = await source.GetTokenAsync();
        _time.Advance(TimeSpan.FromMinutes(4));

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());
        Assert.Multiple(() =>
        {
            Assert.That(whileValid, Is.EqualTo(token));
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Expired));
            Assert.That(ex.Message, Does.Contain("no fresher one could be read").And.Contain("plain-token"));
            Assert.That(_logs.Collector.GetSnapshot(), Has.Some.Matches<FakeLogRecord>(e => e!.Id.Id == 1501 && e.Message.Contains("keeping the previous token", StringComparison.Ordinal)));
            Assert.That(Warnings(), Does.Contain(("projected", "reload_failed")));
            Assert.That(_logs.Collector.GetSnapshot(), Has.None.Matches<FakeLogRecord>(e => e!.Message.Contains(token, StringComparison.Ordinal)), "never logs the token");
        });
    }

    [Test]
    public async Task GetTokenAsync_NoFile_Unreadable()
    {
        var source = Create(watch: true, path: Path.Combine(_dir.Path, "missing", "token"));

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Unreadable));
            Assert.That(ex.Message, Does.Contain("projected volume mounted"));
        });
    }

    [TestCase("")]
    [TestCase("not-a-jwt")]
    [TestCase("a.eyJpYXQiOjF9.c")] // {"iat":1}: no exp
    public async Task GetTokenAsync_NotAJwtWithExp_Malformed(string content)
    {
        var path = _dir.Write("token", content);
        var source = Create(watch: false, path: path);

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Malformed));
    }

    [Test]
    public void Constructor_PublicWithoutDependencies_Works()
    {
        var path = _dir.Write("token", KubeTokens.Unsigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(10)));
        using var source = new ProjectedTokenSource(new ProjectedTokenSourceOptions { Path = path }, logger: NullLogger<ProjectedTokenSource>.Instance);

        Assert.That(source.Current, Is.Not.Null);
    }
}
