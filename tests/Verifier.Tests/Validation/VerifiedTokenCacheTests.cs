using System.Text;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.Keys;
using Verifier.Validation;

namespace Verifier.Tests.Validation;

/// <summary>
/// The result cache proves every hit against the current key set, so no ordering of a store and a key-set swap can
/// hand out a verdict of a removed key (issue: a verification that started before a swap stored its result after it).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifiedTokenCacheTests : IDisposable
{
    private static readonly long Now = KubeTokens.Now.UtcTicks;
    private static readonly byte[] Token = Encoding.ASCII.GetBytes("aGVhZGVy.cGF5bG9hZA.c2lnbmF0dXJl");
    private static readonly TokenVerificationResult Accepted = TokenVerificationResult.Success(new ServiceAccountIdentity("default", "web"));

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly VerifiedTokenCache _cache;
    private readonly TokenHasher _hasher = new(Microsoft.Extensions.Options.Options.Create(new KubernetesTokenVerifierOptions()));
    private readonly TokenHash _key;
    private readonly VerifierMetrics _metrics;
    private readonly MetricCollector<long> _evictions;

    public VerifiedTokenCacheTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _evictions = new MetricCollector<long>(meters, VerifierMetrics.MeterName, "verifier.cache.evictions");
        _metrics = new VerifierMetrics(meters, TimeProvider.System);
        _cache = new VerifiedTokenCache(100, _metrics);
        _key = _hasher.ComputeOfSignature(Token);
    }

    public void Dispose()
    {
        _evictions.Dispose();
        _services.Dispose();
    }

    [Test]
    public void TryGet_SuccessStoredAgainstOldSetAfterItsKeyWasRemoved_Miss()
    {
        var old = KubeTokens.Snapshot(KubeTokens.Rsa);
        var key = old.Keys[0];
        var current = KubeTokens.Snapshot(KubeTokens.Rsa2);

        // Stored after the swap, as a verification that started before it would.
        _cache.Set(_key, Token, Accepted, Now + TimeSpan.TicksPerMinute, old, key, Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, current, Now, out _), Is.False, "the key that verified it is not in the current set");
            Assert.That(_cache.Count, Is.Zero, "the entry is dropped on the failed proof");
        });
    }

    [Test]
    public void TryGet_SuccessAfterSwapThatKeptItsKey_Hit()
    {
        var old = KubeTokens.Snapshot(KubeTokens.Rsa);
        var key = old.Keys[0];
        var current = new KeySetSnapshot([key, KubeTokens.PublicKey(KubeTokens.Rsa2)], [KubeTokens.Issuer], KubeTokens.Now, "test");
        _cache.Set(_key, Token, Accepted, Now + TimeSpan.TicksPerMinute, old, key, Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, current, Now, out var hit), Is.True);
            Assert.That(hit, Is.SameAs(Accepted));
        });
    }

    [Test]
    public void TryGet_FailureAfterAnySwap_Miss()
    {
        var old = KubeTokens.Snapshot(KubeTokens.Rsa);
        var rejected = TokenVerificationResult.Failure(VerificationFailureReason.BadSignature, "invalid signature");
        _cache.Set(_key, Token, rejected, Now + TimeSpan.TicksPerMinute, old, null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, old, Now, out _), Is.True, "same key set: the failure holds");
            Assert.That(_cache.TryGet(_key, Token, KubeTokens.Snapshot(KubeTokens.Rsa), Now, out _), Is.False, "a new key set may change a failure");
        });
    }

    [Test]
    public void TryGet_PastExpiry_MissAndDropped()
    {
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        _cache.Set(_key, Token, Accepted, Now + 10, keys, keys.Keys[0], Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, keys, Now + 10, out _), Is.True, "the expiry instant itself still counts");
            Assert.That(_cache.TryGet(_key, Token, keys, Now + 11, out _), Is.False);
            Assert.That(_cache.Count, Is.Zero);
        });
    }

    [Test]
    public void TryGet_SameSignatureOtherSignedPart_Miss()
    {
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        _cache.Set(_key, Token, Accepted, Now + TimeSpan.TicksPerMinute, keys, keys.Keys[0], Now);
        var forged = Encoding.ASCII.GetBytes("b3RoZXI.cGF5bG9hZA.c2lnbmF0dXJl");

        Assert.That(_cache.TryGet(_key, forged, keys, Now, out _), Is.False, "a copied signature on another header is verified in full");
    }

    [Test]
    public void Set_ConcurrentInsertsOfDistinctTokens_CountNeverPassesBoundByMoreThanInsertsInFlight()
    {
        // The soak run once saw 511 entries in a 500-entry cache with 2 threads: inserts kept landing while one thread
        // trimmed. An insert that still finds the cache over its bound now takes its own entry out again.
        const int threads = 4;
        const int perThread = 20_000;
        var cache = new VerifiedTokenCache(50, new VerifierMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), TimeProvider.System));
        var hasher = new TokenHasher(Microsoft.Extensions.Options.Options.Create(new KubernetesTokenVerifierOptions()));
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        var maxSeen = 0;
        using var start = new Barrier(threads);

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
            {
                var token = Encoding.ASCII.GetBytes($"aGVhZGVy.cGF5bG9hZA.{t}x{i}");
                cache.Set(hasher.ComputeOfSignature(token), token, Accepted, Now + TimeSpan.TicksPerMinute, keys, keys.Keys[0], Now);
                var count = cache.Count;
                int seen;
                while (count > (seen = Volatile.Read(ref maxSeen)) && Interlocked.CompareExchange(ref maxSeen, count, seen) != seen)
                {
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Multiple(() =>
        {
            Assert.That(maxSeen, Is.InRange(45, 50 + threads), "a reader sees at most the bound plus the inserts in flight");
            Assert.That(cache.Count, Is.InRange(1, 50), "at rest the bound holds");
        });
    }

    [Test]
    public void TryGet_KeyRemovedOrExpired_EvictionCountedWithItsCause()
    {
        var old = KubeTokens.Snapshot(KubeTokens.Rsa);
        _cache.Set(_key, Token, Accepted, Now + 10, old, old.Keys[0], Now);
        _cache.TryGet(_key, Token, KubeTokens.Snapshot(KubeTokens.Rsa2), Now, out _);
        _cache.Set(_key, Token, Accepted, Now + 10, old, old.Keys[0], Now);
        _cache.TryGet(_key, Token, old, Now + 11, out _);

        Assert.Multiple(() =>
        {
            Assert.That(Evicted("key_removed"), Is.EqualTo(1));
            Assert.That(Evicted("expired"), Is.EqualTo(1));
            Assert.That(_cache.Count, Is.Zero);
        });
    }

    [Test]
    public void Set_AlreadyExpired_NotStored()
    {
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        _cache.Set(_key, Token, Accepted, Now - 1, keys, keys.Keys[0], Now);
        var other = Encoding.ASCII.GetBytes("aGVhZGVy.cGF5bG9hZA.bm93");
        _cache.Set(_hasher.ComputeOfSignature(other), other, Accepted, Now, keys, keys.Keys[0], Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, keys, Now, out _), Is.False, "a verdict whose last instant has passed is not kept");
            Assert.That(_cache.TryGet(_hasher.ComputeOfSignature(other), other, keys, Now, out _), Is.True, "one that ends now still counts now");
            Assert.That(_cache.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void Set_SameTokenAgain_NewerVerdictReplacesTheOlderAndCountsOnce()
    {
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        var rejected = TokenVerificationResult.Failure(VerificationFailureReason.BadSignature, "invalid signature");
        _cache.Set(_key, Token, rejected, Now + TimeSpan.TicksPerMinute, keys, null, Now);
        _cache.Set(_key, Token, Accepted, Now + TimeSpan.TicksPerMinute, keys, keys.Keys[0], Now);

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet(_key, Token, keys, Now, out var hit), Is.True);
            Assert.That(hit, Is.SameAs(Accepted));
            Assert.That(_cache.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void Set_PastTheBound_LeastRecentlyUsedEntriesGoDownToNinetyPercent()
    {
        const int bound = 10;
        var cache = new VerifiedTokenCache(bound, _metrics);
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        var tokens = Enumerable.Range(0, bound + 1).Select(i => Encoding.ASCII.GetBytes($"aGVhZGVy.cGF5bG9hZA.{i}")).ToArray();
        var expires = Now + TimeSpan.TicksPerMinute;
        for (var i = 0; i < bound; i++)
        {
            cache.Set(_hasher.ComputeOfSignature(tokens[i]), tokens[i], Accepted, expires, keys, keys.Keys[0], Now);
        }

        // Two seconds later the second half is used again; then one insert passes the bound.
        var later = Now + (2 * TimeSpan.TicksPerSecond);
        for (var i = bound / 2; i < bound; i++)
        {
            cache.TryGet(_hasher.ComputeOfSignature(tokens[i]), tokens[i], keys, later, out _);
        }

        var atBound = cache.Count;
        cache.Set(_hasher.ComputeOfSignature(tokens[bound]), tokens[bound], Accepted, expires, keys, keys.Keys[0], later);

        bool Hit(int i) => cache.TryGet(_hasher.ComputeOfSignature(tokens[i]), tokens[i], keys, later, out _);
        Assert.Multiple(() =>
        {
            Assert.That(atBound, Is.EqualTo(bound), "nothing goes while the bound holds");
            Assert.That(cache.Count, Is.EqualTo(bound * 9 / 10));
            Assert.That(Enumerable.Range(bound / 2, (bound / 2) + 1).Where(i => !Hit(i)), Is.Empty, "recently used entries and the new one stay");
            Assert.That(Enumerable.Range(0, bound / 2).Count(Hit), Is.EqualTo((bound / 2) - 2), "two of the idle ones went");
            Assert.That(Evicted("capacity"), Is.EqualTo(2));
        });
    }

    [Test]
    public void Set_PastTheBoundWithExpiredEntries_SweepsThemAndKeepsEveryLiveOne()
    {
        const int bound = 10;
        var cache = new VerifiedTokenCache(bound, _metrics);
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa);
        var tokens = Enumerable.Range(0, bound + 1).Select(i => Encoding.ASCII.GetBytes($"aGVhZGVy.cGF5bG9hZA.{i}")).ToArray();
        for (var i = 0; i < bound; i++)
        {
            var expires = i < bound / 2 ? Now + TimeSpan.TicksPerSecond : Now + TimeSpan.TicksPerMinute;
            cache.Set(_hasher.ComputeOfSignature(tokens[i]), tokens[i], Accepted, expires, keys, keys.Keys[0], Now);
        }

        var later = Now + TimeSpan.TicksPerSecond + 1;
        cache.Set(_hasher.ComputeOfSignature(tokens[bound]), tokens[bound], Accepted, Now + TimeSpan.TicksPerMinute, keys, keys.Keys[0], later);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.EqualTo((bound / 2) + 1), "only the expired entries went");
            Assert.That(
                Enumerable.Range(bound / 2, (bound / 2) + 1).Where(i => !cache.TryGet(_hasher.ComputeOfSignature(tokens[i]), tokens[i], keys, later, out _)),
                Is.Empty);
            Assert.That(Evicted("expired"), Is.EqualTo(bound / 2));
            Assert.That(Evicted("capacity"), Is.Zero);
        });
    }

    [Test]
    public void Constructor_BoundBelowOne_Throws() =>
        Assert.That(() => new VerifiedTokenCache(0, _metrics), Throws.InstanceOf<ArgumentOutOfRangeException>());

    private long Evicted(string cause) =>
        _evictions.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags["cache"], "result") && Equals(m.Tags["cause"], cause))
            .Sum(m => m.Value);
}
