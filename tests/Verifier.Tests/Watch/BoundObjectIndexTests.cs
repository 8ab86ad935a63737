using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// The index's deletion-leeway timer on Microsoft's <see cref="FakeTimeProvider"/>: a deletion timestamp becomes a
/// revocation (ObjectGone, which ends cached confirmations, and the revocations metric) a tick after timestamp + 60 s.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class BoundObjectIndexTests : IDisposable
{
    private static readonly ObjectName Web0 = new("default", "web-0");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _revocations;
    private readonly BoundObjectIndex _index;
    private readonly WatchedScope _pods;
    private readonly List<string> _gone = [];

    public BoundObjectIndexTests()
    {
        var metrics = new VerifierMetrics(_meters.GetRequiredService<IMeterFactory>(), _time);
        _revocations = new MetricCollector<long>(metrics.Meter, "verifier.watch.revocations");
        _index = new BoundObjectIndex(new WatchOptions { WatchSecrets = false, WatchNodes = false }, _time, metrics, NullLogger<BoundObjectIndex>.Instance);
        _index.ObjectGone += _gone.Add;
        _pods = _index.Scopes.Single(s => s.Kind == WatchedKind.Pod);
        _index.Replace(_pods, new Dictionary<ObjectName, IndexedObject> { [Web0] = new("uid-1", null) }, _time.GetUtcNow());
    }

    public void Dispose()
    {
        _index.Dispose();
        _revocations.Dispose();
        _meters.Dispose();
    }

    [Test]
    public void Upsert_DeletionTimestamp_ObjectGoneOnceJustPastTimestampPlus60Seconds()
    {
        // kubectl delete pod: deletionTimestamp = now + 30 s (the termination grace).
        _index.Upsert(_pods, Web0, new IndexedObject("uid-1", _time.GetUtcNow().AddSeconds(30)), _time.GetUtcNow());

        _time.Advance(TimeSpan.FromSeconds(90));
        var atLeewayEnd = _gone.ToList();
        _time.Advance(TimeSpan.FromTicks(1));
        var pastLeeway = _gone.ToList();
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Multiple(() =>
        {
            Assert.That(atLeewayEnd, Is.Empty, "exactly timestamp + 60 s is not yet deleted for kube-apiserver");
            Assert.That(pastLeeway, Is.EqualTo(new[] { "uid-1" }), "a tick later the timer ends cached confirmations");
            Assert.That(_gone, Has.Count.EqualTo(1), "once");
            Assert.That(_revocations.GetMeasurementSnapshot().Select(m => (m.Value, m.Tags["kind"], m.Tags["cause"])),
                Is.EqualTo(new[] { (1L, (object?)"pod", (object?)"deletion_leeway_ended") }));
        });
    }

    [Test]
    public void Delete_BeforeTheLeewayEnds_RevokesAtOnceAndCancelsTheTimer()
    {
        _index.Upsert(_pods, Web0, new IndexedObject("uid-1", _time.GetUtcNow().AddSeconds(30)), _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(10));

        _index.Delete(_pods, Web0, "uid-1");
        var atDelete = _gone.ToList();
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Multiple(() =>
        {
            Assert.That(atDelete, Is.EqualTo(new[] { "uid-1" }));
            Assert.That(_gone, Has.Count.EqualTo(1), "the leeway timer was cancelled");
            Assert.That(_revocations.GetMeasurementSnapshot().Select(m => m.Tags["cause"]), Is.EqualTo(new[] { "deleted" }));
        });
    }

    [Test]
    public void Upsert_DeletionTimestampAlreadyPastTheLeeway_RevokesAtOnce()
    {
        // A list after a long outage: the object has been terminating for more than 60 s.
        _index.Upsert(_pods, Web0, new IndexedObject("uid-1", _time.GetUtcNow().AddSeconds(-61)), _time.GetUtcNow());

        Assert.Multiple(() =>
        {
            Assert.That(_gone, Is.EqualTo(new[] { "uid-1" }));
            Assert.That(_revocations.GetMeasurementSnapshot().Select(m => m.Tags["cause"]), Is.EqualTo(new[] { "deletion_leeway_ended" }));
        });
    }
}
