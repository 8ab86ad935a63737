using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Verifier.Diagnostics;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Verified tokens, keyed by HMAC-SHA256(per-process random key, token) — never the raw token. The audience set
/// is folded into the HMAC key (key = HMAC(random, audiences)), which keys the hash by (token, audiences) without
/// hashing the audiences on every call. Hits are lock-free and allocation-free and hand out the cached
/// <see cref="TokenVerificationResult"/> instance.
/// </summary>
/// <remarks>
/// Bounded by <see cref="ResultCacheOptions.MaxEntries"/> with sampled LRU eviction: each entry keeps its last use
/// (whole seconds, written at most once a second so concurrent hits do not fight over a cache line); when an
/// insert passes the bound, one thread drops expired entries and then the least recently used ones, judged by a
/// sample of 256 entries, until 90 % of the bound remains. Amortised O(1) per insert, never blocks readers.
/// </remarks>
internal sealed class VerifiedTokenCache : IDisposable
{
    private const string CacheTag = "result";
    private const int SampleSize = 256;

    private readonly ConcurrentDictionary<TokenCacheKey, CacheEntry> _entries;
    private readonly ThreadLocal<IncrementalHash> _hmac;
    private readonly int _maxEntries;
    private readonly VerifierMetrics _metrics;
    private int _count;
    private int _trimming;
    private int _disposed;

    public VerifiedTokenCache(int maxEntries, IReadOnlyList<string> audiences, VerifierMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _maxEntries = maxEntries;
        _metrics = metrics;
        _entries = new ConcurrentDictionary<TokenCacheKey, CacheEntry>(Environment.ProcessorCount, Math.Min(maxEntries, 1024));

        var audienceBytes = new List<byte>();
        foreach (var audience in audiences)
        {
            var bytes = Encoding.UTF8.GetBytes(audience);
            audienceBytes.AddRange(BitConverter.GetBytes(bytes.Length));
            audienceBytes.AddRange(bytes);
        }

        var key = HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), audienceBytes.ToArray());

        // One keyed HMAC state per thread: the one-shot HMACSHA256.HashData re-fetches the algorithm from OpenSSL 3 on
        // every call (≈0.7 µs more and a global lock that stops two threads from scaling); a reused IncrementalHash
        // only resets.
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key), trackAllValues: true);
    }

    public int Count => Volatile.Read(ref _count);

    public TokenCacheKey ComputeKey(ReadOnlySpan<byte> token)
    {
        var hmac = _hmac.Value!;
        hmac.AppendData(token);
        Span<byte> hash = stackalloc byte[TokenCacheKey.Size];
        hmac.GetHashAndReset(hash);
        return new TokenCacheKey(hash);
    }

    /// <summary>The cached result for <paramref name="key"/> if it is still valid at <paramref name="nowUtcTicks"/>.</summary>
    public bool TryGet(in TokenCacheKey key, long nowUtcTicks, out TokenVerificationResult result)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (nowUtcTicks <= entry.ExpiresUtcTicks)
            {
                var second = nowUtcTicks / TimeSpan.TicksPerSecond;
                if (entry.LastUsedSecond != second)
                {
                    entry.LastUsedSecond = second;
                }

                result = entry.Result;
                return true;
            }

            if (_entries.TryRemove(new KeyValuePair<TokenCacheKey, CacheEntry>(key, entry)))
            {
                Interlocked.Decrement(ref _count);
                _metrics.CacheEviction(CacheTag, "expired");
            }
        }

        result = null!;
        return false;
    }

    /// <param name="key">From <see cref="ComputeKey"/>.</param>
    /// <param name="result">The verdict to hand out on hits.</param>
    /// <param name="expiresUtcTicks">The last instant it may be handed out.</param>
    /// <param name="verifiedBy">The key that verified it: the entry goes when that key leaves the key set.</param>
    /// <param name="nowUtcTicks">The current time.</param>
    public void Set(in TokenCacheKey key, TokenVerificationResult result, long expiresUtcTicks, VerificationKey? verifiedBy, long nowUtcTicks)
    {
        if (expiresUtcTicks < nowUtcTicks)
        {
            return;
        }

        var entry = new CacheEntry(result, expiresUtcTicks, verifiedBy, nowUtcTicks / TimeSpan.TicksPerSecond);
        if (_entries.TryAdd(key, entry))
        {
            if (Interlocked.Increment(ref _count) > _maxEntries)
            {
                Trim(nowUtcTicks);
            }
        }
        else
        {
            _entries[key] = entry;
        }
    }

    /// <summary>Drops entries verified by a key that is not in <paramref name="snapshot"/> (rotated out or replaced).</summary>
    public int RemoveEntriesOfKeysNotIn(KeySetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var removed = 0;
        foreach (var pair in _entries)
        {
            if (pair.Value.VerifiedBy is { } key && !snapshot.Contains(key) && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
                removed++;
            }
        }

        _metrics.CacheEviction(CacheTag, "key_removed", removed);
        return removed;
    }

    public void Clear()
    {
        foreach (var pair in _entries)
        {
            if (_entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    /// <summary>Idempotent: DI disposes the verifier once per registration it is reachable through.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var hmac in _hmac.Values)
        {
            hmac.Dispose();
        }

        _hmac.Dispose();
    }

    private void Trim(long nowUtcTicks)
    {
        if (Interlocked.Exchange(ref _trimming, 1) != 0)
        {
            return;
        }

        try
        {
            var target = Math.Max(1, _maxEntries * 9 / 10);
            var expired = 0;
            Span<long> sample = stackalloc long[SampleSize];
            var sampled = 0;
            foreach (var pair in _entries)
            {
                if (nowUtcTicks > pair.Value.ExpiresUtcTicks)
                {
                    if (_entries.TryRemove(pair))
                    {
                        Interlocked.Decrement(ref _count);
                        expired++;
                    }
                }
                else if (sampled < SampleSize)
                {
                    // Keys are HMAC outputs, so enumeration order is effectively random: the first entries are a fair sample.
                    sample[sampled++] = pair.Value.LastUsedSecond;
                }
            }

            _metrics.CacheEviction(CacheTag, "expired", expired);
            var excess = Volatile.Read(ref _count) - target;
            if (excess <= 0 || sampled == 0)
            {
                return;
            }

            // The last-use second below which about `excess` entries lie; ties at the cut are removed too, up to excess.
            sample = sample[..sampled];
            sample.Sort();
            var fraction = Math.Min(1.0, excess / (double)Math.Max(1, Volatile.Read(ref _count)));
            var cutoff = sample[Math.Min(sampled - 1, (int)(fraction * sampled))];
            var evicted = 0;
            foreach (var pair in _entries)
            {
                if (evicted >= excess)
                {
                    break;
                }

                if (pair.Value.LastUsedSecond <= cutoff && _entries.TryRemove(pair))
                {
                    Interlocked.Decrement(ref _count);
                    evicted++;
                }
            }

            _metrics.CacheEviction(CacheTag, "capacity", evicted);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    private sealed class CacheEntry(TokenVerificationResult result, long expiresUtcTicks, VerificationKey? verifiedBy, long lastUsedSecond)
    {
        public TokenVerificationResult Result { get; } = result;

        public long ExpiresUtcTicks { get; } = expiresUtcTicks;

        public VerificationKey? VerifiedBy { get; } = verifiedBy;

        public long LastUsedSecond { get; set; } = lastUsedSecond;
    }
}
