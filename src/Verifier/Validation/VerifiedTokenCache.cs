using System.Collections.Concurrent;
using Verifier.Diagnostics;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Verdicts of tokens verified locally, keyed by the keyed hash of the token's signature segment
/// (<see cref="TokenHasher.ComputeOfSignature"/>) and confirmed against the stored signed part (<c>header.payload</c>),
/// so a hit means the very same token and the cache never holds a usable credential: the signature, the part that makes
/// a token one, is kept only as its keyed hash. Hits are lock-free and allocation-free and hand out the cached
/// <see cref="TokenVerificationResult"/> instance.
/// </summary>
/// <remarks>
/// A hit is only as good as the key set it was reached with, so every hit proves itself against the current
/// <see cref="KeySetSnapshot"/>: a success counts only while the key that verified it is a member of the current
/// snapshot (one reference compare when the snapshot is unchanged, one set lookup after a swap); a failure counts only
/// for the snapshot it was reached with, so every swap ends cached failures. No ordering of a store and a swap can
/// therefore bring back a removed key's verdict. Hashing the ~340-byte signature rather than the whole token keeps a
/// hit cheap (see benchmarks.md); each entry keeps its signed part (about 0.9 KB for a Kubernetes token).
/// <para>
/// Bounded by <see cref="ResultCacheOptions.MaxEntries"/> with sampled LRU eviction: each entry keeps its last use
/// (whole seconds, written at most once a second so concurrent hits do not fight over a cache line); when an
/// insert passes the bound, one thread drops expired entries and then the least recently used ones, judged by a
/// sample of 256 entries, until 90 % of the bound remains; an insert that still finds the cache over its bound (another
/// thread is trimming) takes its own entry out again, so the count passes the bound only by the inserts in flight.
/// Amortised O(1) per insert, never blocks readers.
/// </para>
/// </remarks>
internal sealed class VerifiedTokenCache
{
    private const string CacheTag = "result";
    private const int SampleSize = 256;

    private readonly ConcurrentDictionary<TokenHash, CacheEntry> _entries;
    private readonly int _maxEntries;
    private readonly VerifierMetrics _metrics;
    private int _count;
    private int _trimming;

    public VerifiedTokenCache(int maxEntries, VerifierMetrics metrics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _maxEntries = maxEntries;
        _metrics = metrics;
        _entries = new ConcurrentDictionary<TokenHash, CacheEntry>(Environment.ProcessorCount, Math.Min(maxEntries, 1024));
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// The cached verdict for <paramref name="token"/> (entry key <paramref name="key"/>) if it is still valid at
    /// <paramref name="nowUtcTicks"/> against the current key set <paramref name="keys"/>.
    /// </summary>
    public bool TryGet(in TokenHash key, ReadOnlySpan<byte> token, KeySetSnapshot keys, long nowUtcTicks, out TokenVerificationResult result)
    {
        if (_entries.TryGetValue(key, out var entry) && SignedPart(token).SequenceEqual(entry.SignedPart))
        {
            var cause = nowUtcTicks > entry.ExpiresUtcTicks ? "expired" : IsCurrent(entry, keys) ? null : "key_removed";
            if (cause is null)
            {
                var second = nowUtcTicks / TimeSpan.TicksPerSecond;
                if (entry.LastUsedSecond != second)
                {
                    entry.LastUsedSecond = second;
                }

                result = entry.Result;
                return true;
            }

            if (_entries.TryRemove(new KeyValuePair<TokenHash, CacheEntry>(key, entry)))
            {
                Interlocked.Decrement(ref _count);
                _metrics.CacheEviction(CacheTag, cause);
            }
        }

        result = null!;
        return false;
    }

    /// <param name="key">From <see cref="TokenHasher.ComputeOfSignature"/>.</param>
    /// <param name="token">The token: its signed part is kept to confirm hits.</param>
    /// <param name="result">The verdict to hand out on hits.</param>
    /// <param name="expiresUtcTicks">The last instant it may be handed out.</param>
    /// <param name="keys">The key set the verdict was reached with.</param>
    /// <param name="verifiedBy">On success, the key that verified it: the entry counts while that key is in the current key set.</param>
    /// <param name="nowUtcTicks">The current time.</param>
    public void Set(in TokenHash key, ReadOnlySpan<byte> token, TokenVerificationResult result, long expiresUtcTicks, KeySetSnapshot keys, VerificationKey? verifiedBy, long nowUtcTicks)
    {
        if (expiresUtcTicks < nowUtcTicks)
        {
            return;
        }

        // Same entry key with another signed part (a copied signature): the newer verdict replaces the older one.
        var entry = new CacheEntry(SignedPart(token).ToArray(), result, expiresUtcTicks, keys, verifiedBy, nowUtcTicks / TimeSpan.TicksPerSecond);
        if (_entries.TryAdd(key, entry))
        {
            if (Interlocked.Increment(ref _count) > _maxEntries)
            {
                Trim(nowUtcTicks);

                // Still over the bound (another thread is trimming, or inserts outran this trim): this verdict is not
                // kept, so the bound holds whatever the number of threads; the entry can be recomputed on the next call.
                if (Volatile.Read(ref _count) > _maxEntries && _entries.TryRemove(new KeyValuePair<TokenHash, CacheEntry>(key, entry)))
                {
                    Interlocked.Decrement(ref _count);
                    _metrics.CacheEviction(CacheTag, "capacity");
                }
            }
        }
        else
        {
            _entries[key] = entry;
        }
    }

    /// <summary>
    /// Whether <paramref name="entry"/>'s verdict holds against <paramref name="current"/>: the snapshot it was reached
    /// with is current, or it is a success whose key is still a member (then the entry remembers the new snapshot, so
    /// the next hit is one reference compare again; a benign race, either snapshot is correct).
    /// </summary>
    private static bool IsCurrent(CacheEntry entry, KeySetSnapshot current)
    {
        if (ReferenceEquals(entry.Keys, current))
        {
            return true;
        }

        if (entry.VerifiedBy is { } key && current.Contains(key))
        {
            entry.Keys = current;
            return true;
        }

        return false;
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

    private sealed class CacheEntry(byte[] signedPart, TokenVerificationResult result, long expiresUtcTicks, KeySetSnapshot keys, VerificationKey? verifiedBy, long lastUsedSecond)
    {
        public byte[] SignedPart { get; } = signedPart;

        public TokenVerificationResult Result { get; } = result;

        public long ExpiresUtcTicks { get; } = expiresUtcTicks;

        /// <summary>The key set the verdict was last confirmed against.</summary>
        public KeySetSnapshot Keys { get; set; } = keys;

        public VerificationKey? VerifiedBy { get; } = verifiedBy;

        public long LastUsedSecond { get; set; } = lastUsedSecond;
    }
}
