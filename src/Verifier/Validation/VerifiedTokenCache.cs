using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Verifier.Diagnostics;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Verified tokens, keyed by HMAC-SHA256(per-process random key, signature segment) and confirmed against the stored
/// signed part (<c>header.payload</c>), so a hit means the very same token and the cache never holds a usable
/// credential: the signature, the part that makes a token one, is kept only as its keyed hash. The audience set is
/// folded into the HMAC key (key = HMAC(random, audiences)), which keys entries by (token, audiences) without hashing
/// the audiences on every call. Hits are lock-free and allocation-free and hand out the cached
/// <see cref="TokenVerificationResult"/> instance.
/// </summary>
/// <remarks>
/// Why the signature and not the whole token: through OpenSSL a keyed hash costs about 0.4 µs a call plus 0.6 ns a
/// byte, so hashing the ~340-byte RS256 signature instead of the ~1.2 KB token takes a hit from about 1.2 µs to about
/// 0.7 µs; the signed part is then compared byte for byte (~10 ns). A token with a copied signature and any other
/// header or payload gets the same entry key, fails the comparison and is verified in full. The price is memory: each
/// entry keeps its signed part (about 0.9 KB for a Kubernetes token).
/// <para>
/// Bounded by <see cref="ResultCacheOptions.MaxEntries"/> with sampled LRU eviction: each entry keeps its last use
/// (whole seconds, written at most once a second so concurrent hits do not fight over a cache line); when an
/// insert passes the bound, one thread drops expired entries and then the least recently used ones, judged by a
/// sample of 256 entries, until 90 % of the bound remains. Amortised O(1) per insert, never blocks readers.
/// </para>
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

    /// <summary>The entry key of <paramref name="token"/>: the keyed hash of its signature segment (all of it when it has no dot).</summary>
    public TokenCacheKey ComputeEntryKey(ReadOnlySpan<byte> token) => ComputeKey(token[(token.LastIndexOf((byte)'.') + 1)..]);

    /// <summary>The keyed hash of all of <paramref name="bytes"/>: the TokenReview caches' key and a log-safe token id.</summary>
    public TokenCacheKey ComputeKey(ReadOnlySpan<byte> bytes)
    {
        var hmac = _hmac.Value!;
        hmac.AppendData(bytes);
        Span<byte> hash = stackalloc byte[TokenCacheKey.Size];
        hmac.GetHashAndReset(hash);
        return new TokenCacheKey(hash);
    }

    /// <summary>
    /// The cached result for <paramref name="token"/> (entry key <paramref name="key"/>) if it is still valid at
    /// <paramref name="nowUtcTicks"/>.
    /// </summary>
    public bool TryGet(in TokenCacheKey key, ReadOnlySpan<byte> token, long nowUtcTicks, out TokenVerificationResult result)
    {
        if (_entries.TryGetValue(key, out var entry) && SignedPart(token).SequenceEqual(entry.SignedPart))
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

    /// <param name="key">From <see cref="ComputeEntryKey"/>.</param>
    /// <param name="token">The token: its signed part is kept to confirm hits.</param>
    /// <param name="result">The verdict to hand out on hits.</param>
    /// <param name="expiresUtcTicks">The last instant it may be handed out.</param>
    /// <param name="verifiedBy">The key that verified it: the entry goes when that key leaves the key set.</param>
    /// <param name="nowUtcTicks">The current time.</param>
    public void Set(in TokenCacheKey key, ReadOnlySpan<byte> token, TokenVerificationResult result, long expiresUtcTicks, VerificationKey? verifiedBy, long nowUtcTicks)
    {
        if (expiresUtcTicks < nowUtcTicks)
        {
            return;
        }

        // Same entry key with another signed part (a copied signature): the newer verdict replaces the older one.
        var entry = new CacheEntry(SignedPart(token).ToArray(), result, expiresUtcTicks, verifiedBy, nowUtcTicks / TimeSpan.TicksPerSecond);
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

    /// <summary><c>header.payload</c>: everything before the last dot (empty when there is none).</summary>
    private static ReadOnlySpan<byte> SignedPart(ReadOnlySpan<byte> token) => token[..Math.Max(0, token.LastIndexOf((byte)'.'))];

    private sealed class CacheEntry(byte[] signedPart, TokenVerificationResult result, long expiresUtcTicks, VerificationKey? verifiedBy, long lastUsedSecond)
    {
        public byte[] SignedPart { get; } = signedPart;

        public TokenVerificationResult Result { get; } = result;

        public long ExpiresUtcTicks { get; } = expiresUtcTicks;

        public VerificationKey? VerifiedBy { get; } = verifiedBy;

        public long LastUsedSecond { get; set; } = lastUsedSecond;
    }
}
