using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Keys;

/// <summary>
/// The bookkeeping behind the unknown-kid rule: a kid becomes unknown only through a fetch that started after it was
/// first seen, is remembered for the TTL, and both the waiting and the unknown sets stay within their bound.
/// </summary>
public sealed class UnknownKeyIdCacheTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset Now = KubeTokens.Now;

    [Test]
    public void Settle_FetchStartedAfterTheKidWasSeen_UnknownForExactlyTheTtl()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        cache.Await("bogus", fetchesStarted: 3);

        cache.Settle(Fetched(Now), fetch: 4);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Contains("bogus", Now), Is.True);
            Assert.That(cache.Contains("bogus", Now + Ttl - TimeSpan.FromTicks(1)), Is.True);
            Assert.That(cache.Contains("bogus", Now + Ttl), Is.False, "forgotten at the end of the TTL");
            Assert.That(cache.Contains("other", Now), Is.False);
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(cache.WaitingCount, Is.Zero, "settled");
        });
    }

    [Test]
    public void Settle_FetchThatStartedBeforeTheKidWasSeen_KeepsItWaiting()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        cache.Await("new-key", fetchesStarted: 4);

        cache.Settle(Fetched(Now), fetch: 4);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Contains("new-key", Now), Is.False, "fetch 4 may have been served before the key was published");
            Assert.That(cache.WaitingCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Settle_SeveralKidsWaiting_OneFetchSettlesEveryOne()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        cache.Await("a", 0);
        cache.Await(KubeTokens.Rsa.KeyId, 0);
        cache.Await("b", 0);

        cache.Settle(Fetched(Now, KubeTokens.Rsa), fetch: 1);

        Assert.Multiple(() =>
        {
            Assert.That(cache.WaitingCount, Is.Zero, "the waiting set drains at each fetch");
            Assert.That(cache.Contains("a", Now) && cache.Contains("b", Now), Is.True);
            Assert.That(cache.Contains(KubeTokens.Rsa.KeyId, Now), Is.False);
        });
    }

    [Test]
    public void Settle_KeySetContainsTheKid_StopsWaitingAndNeverUnknown()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        cache.Await(KubeTokens.Rsa.KeyId, fetchesStarted: 0);

        cache.Settle(Fetched(Now, KubeTokens.Rsa), fetch: 1);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Contains(KubeTokens.Rsa.KeyId, Now), Is.False);
            Assert.That(cache.WaitingCount, Is.Zero);
            Assert.That(cache.Count, Is.Zero);
        });
    }

    [Test]
    public void Await_SameKidLater_TheFirstSightingCounts()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        cache.Await("bogus", fetchesStarted: 0);
        cache.Await("bogus", fetchesStarted: 1);

        cache.Settle(Fetched(Now), fetch: 1);

        Assert.That(cache.Contains("bogus", Now), Is.True, "fetch 1 started after the kid's first request");
    }

    [Test]
    public void Await_KidLongerThanAnyRealOne_NotTracked()
    {
        var cache = new UnknownKeyIdCache(10, Ttl);
        var longest = new string('k', UnknownKeyIdCache.MaxKeyIdLength);

        cache.Await(longest, 0);
        cache.Await(longest + "k", 0);
        cache.Settle(Fetched(Now), fetch: 1);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Contains(longest, Now), Is.True, "1 024 characters is a legal external-signer kid");
            Assert.That(cache.Contains(longest + "k", Now), Is.False, "stays transient rather than pinning memory");
        });
    }

    [Test]
    public void Await_WaitingSetFull_NewKidNotTracked()
    {
        var cache = new UnknownKeyIdCache(2, Ttl);
        cache.Await("a", 0);
        cache.Await("b", 0);
        cache.Await("c", 0);

        Assert.That(cache.WaitingCount, Is.EqualTo(2));
        cache.Settle(Fetched(Now), fetch: 1);
        Assert.That(cache.Contains("c", Now), Is.False, "untracked: a later request waits for the next fetch");
    }

    [Test]
    public void Settle_UnknownSetFull_TheOldestGoes()
    {
        var cache = new UnknownKeyIdCache(2, Ttl);
        foreach (var (kid, fetch) in new[] { ("a", 1L), ("b", 2L), ("c", 3L) })
        {
            cache.Await(kid, fetch - 1);
            cache.Settle(Fetched(Now), fetch);
        }

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.EqualTo(2));
            Assert.That(cache.Contains("a", Now), Is.False, "the oldest");
            Assert.That(cache.Contains("b", Now), Is.True);
            Assert.That(cache.Contains("c", Now), Is.True);
        });
    }

    [Test]
    public void Settle_KidAlreadyUnknown_TtlRestartsAndNoOtherKidIsPushedOut()
    {
        var cache = new UnknownKeyIdCache(2, Ttl);
        cache.Await("a", 0);
        cache.Settle(Fetched(Now), fetch: 1);
        cache.Await("b", 1);
        cache.Settle(Fetched(Now), fetch: 2);
        var later = Now + TimeSpan.FromMinutes(1);
        cache.Await("b", 2);
        cache.Settle(Fetched(later), fetch: 3);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Contains("a", Now), Is.True, "b was already counted: remembering it again makes no room");
            Assert.That(cache.Contains("b", Now + Ttl), Is.True, "the second fetch restarted its TTL");
            Assert.That(cache.Contains("b", later + Ttl), Is.False);
            Assert.That(cache.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void Settle_ZeroTtl_NothingRemembered()
    {
        var cache = new UnknownKeyIdCache(10, TimeSpan.Zero);
        cache.Await("bogus", 0);

        cache.Settle(Fetched(Now), fetch: 1);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.Zero);
            Assert.That(cache.WaitingCount, Is.Zero, "still settled: the fetch answered it");
        });
    }

    [Test]
    public void Constructor_CapacityBelowOne_StillTracksOneKid()
    {
        var cache = new UnknownKeyIdCache(0, Ttl);
        cache.Await("a", 0);

        cache.Settle(Fetched(Now), fetch: 1);

        Assert.That(cache.Contains("a", Now), Is.True);
    }

    private static KeySetSnapshot Fetched(DateTimeOffset at, params SigningKey[] keys) =>
        KubeTokens.Snapshot(at, keys.Length == 0 ? [KubeTokens.Rsa2] : keys);
}
