using System.Text;
using Microsoft.Extensions.DependencyInjection;
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
    private readonly TokenHash _key;

    public VerifiedTokenCacheTests()
    {
        var metrics = new VerifierMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), TimeProvider.System);
        _cache = new VerifiedTokenCache(100, metrics);
        _key = new TokenHasher(Microsoft.Extensions.Options.Options.Create(new KubernetesTokenVerifierOptions())).ComputeOfSignature(Token);
    }

    public void Dispose() => _services.Dispose();

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
}
