using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.Testing;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

/// <summary>
/// The TokenReview and binding caches: an entry lives exactly its TTL, a full cache sweeps expired entries before it
/// drops live ones, and it settles at 90 % of its bound (the TokenReviewer tests see it only through reviews).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ExpiringCacheTests : IDisposable
{
    private const int Bound = 10;

    private readonly ManualTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _evictions;
    private readonly ExpiringCache<int, string> _cache;

    public ExpiringCacheTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _evictions = new MetricCollector<long>(meters, VerifierMetrics.MeterName, "verifier.cache.evictions");
        _cache = new ExpiringCache<int, string>("tokenreview", Bound, _time, new VerifierMetrics(meters, _time));
    }

    public void Dispose()
    {
        _evictions.Dispose();
        _services.Dispose();
    }

    [Test]
    public void TryGet_UntilTheTtlEnds_HitThenMissAndDropped()
    {
        _cache.Set(1, "one", TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        var before = _cache.TryGet(1, out var value);
        _time.Advance(TimeSpan.FromTicks(1));
        var atExpiry = _cache.TryGet(1, out _);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.True);
            Assert.That(value, Is.EqualTo("one"));
            Assert.That(atExpiry, Is.False, "an entry ends at its expiry instant");
            Assert.That(_cache.Count, Is.Zero, "the expired entry is removed on the miss");
            Assert.That(Evicted("expired"), Is.EqualTo(1));
        });
    }

    [Test]
    public void Set_SameKeyAgain_ReplacesValueAndTtlWithoutCountingTwice()
    {
        _cache.Set(1, "old", TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(5));
        _cache.Set(1, "new", TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(9));

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(1, out var value), Is.True, "the second TTL counts from the second Set");
            Assert.That(value, Is.EqualTo("new"));
            Assert.That(_cache.Count, Is.EqualTo(1));
        });
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Set_NonPositiveTtl_RemovesTheKey(int ttlSeconds)
    {
        _cache.Set(1, "cached", TimeSpan.FromSeconds(10));

        _cache.Set(1, "not cached", TimeSpan.FromSeconds(ttlSeconds));

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(1, out _), Is.False);
            Assert.That(_cache.Count, Is.Zero);
        });
    }

    [Test]
    public void Remove_PresentAndAbsentKeys_CountFollowsTheEntries()
    {
        _cache.Set(1, "one", TimeSpan.FromSeconds(10));
        _cache.Set(2, "two", TimeSpan.FromSeconds(10));

        _cache.Remove(1);
        _cache.Remove(1);
        _cache.Remove(3);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.Count, Is.EqualTo(1), "removing an absent key changes nothing");
            Assert.That(_cache.TryGet(1, out _), Is.False);
            Assert.That(_cache.TryGet(2, out _), Is.True);
        });
    }

    [Test]
    public void Set_PastTheBound_DropsLiveEntriesDownToNinetyPercent()
    {
        for (var i = 0; i < Bound; i++)
        {
            _cache.Set(i, "v", TimeSpan.FromMinutes(1));
        }

        var atBound = _cache.Count;
        _cache.Set(Bound, "v", TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(atBound, Is.EqualTo(Bound), "nothing is dropped while the bound holds");
            Assert.That(_cache.Count, Is.EqualTo(Bound - (Bound / 10)));
            Assert.That(Enumerable.Range(0, Bound + 1).Count(k => _cache.TryGet(k, out _)), Is.EqualTo(Bound - (Bound / 10)), "the count matches what is there");
            Assert.That(Evicted("capacity"), Is.EqualTo(2));
        });
    }

    [Test]
    public void Set_PastTheBoundTwice_TrimsEachTime()
    {
        for (var i = 0; i < 2 * Bound; i++)
        {
            _cache.Set(i, "v", TimeSpan.FromMinutes(1));
            Assert.That(_cache.Count, Is.LessThanOrEqualTo(Bound), $"after insert {i}");
        }
    }

    [Test]
    public void Set_PastTheBoundWithExpiredEntries_SweepsThemAndKeepsEveryLiveOne()
    {
        for (var i = 0; i < Bound / 2; i++)
        {
            _cache.Set(i, "short", TimeSpan.FromSeconds(10));
        }

        for (var i = Bound / 2; i < Bound; i++)
        {
            _cache.Set(i, "long", TimeSpan.FromMinutes(1));
        }

        _time.Advance(TimeSpan.FromSeconds(10)); // the short ones end exactly now
        _cache.Set(Bound, "long", TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(_cache.Count, Is.EqualTo((Bound / 2) + 1), "only the expired entries went");
            Assert.That(Enumerable.Range(Bound / 2, (Bound / 2) + 1).All(k => _cache.TryGet(k, out _)), Is.True, "every live entry is still there");
            Assert.That(Evicted("expired"), Is.EqualTo(Bound / 2));
            Assert.That(Evicted("capacity"), Is.Zero);
        });
    }

    [Test]
    public void RemoveWhere_SomeKeysMatch_RemovesExactlyThoseAndCountsThemUnderTheCause()
    {
        for (var i = 0; i < 6; i++)
        {
            _cache.Set(i, "v", TimeSpan.FromMinutes(1));
        }

        var seen = new List<(int Key, int State)>();
        _cache.RemoveWhere(2, (key, state) =>
        {
            lock (seen)
            {
                seen.Add((key, state));
            }

            return key % state == 0;
        }, "object_gone");

        Assert.Multiple(() =>
        {
            Assert.That(seen.Select(s => s.Key).Order(), Is.EqualTo(Enumerable.Range(0, 6)), "every key is offered once");
            Assert.That(seen.Select(s => s.State), Is.All.EqualTo(2), "with the caller's state");
            Assert.That(_cache.Count, Is.EqualTo(3));
            Assert.That(Enumerable.Range(0, 6).Where(k => _cache.TryGet(k, out _)), Is.EqualTo(new[] { 1, 3, 5 }), "only the matching keys went");
            Assert.That(Evicted("object_gone"), Is.EqualTo(3));
        });
    }

    [Test]
    public void RemoveWhere_NoPredicate_Throws() =>
        Assert.That(() => _cache.RemoveWhere<int>(0, null!, "object_gone"), Throws.ArgumentNullException);

    [Test]
    public void Constructor_BoundBelowOne_Throws() =>
        Assert.That(() => new ExpiringCache<int, string>("tokenreview", 0, _time, null), Throws.InstanceOf<ArgumentOutOfRangeException>());

    private long Evicted(string cause) =>
        _evictions.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags["cache"], "tokenreview") && Equals(m.Tags["cause"], cause))
            .Sum(m => m.Value);
}
