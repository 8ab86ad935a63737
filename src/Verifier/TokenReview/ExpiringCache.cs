using System.Collections.Concurrent;
using Verifier.Diagnostics;

namespace Verifier.TokenReview;

/// <summary>
/// A bounded map whose entries expire. Reads are lock-free (one dictionary lookup and a clock read). When an insert
/// finds it full, one thread sweeps expired entries and, if that is not enough, drops arbitrary live ones down to
/// 90 % of the bound, so a full cache costs amortised O(1) per insert rather than a sweep each time.
/// </summary>
/// <remarks>
/// Keys are keyed hashes or uids, never raw tokens. The bound is approximate under concurrency (inserts racing a
/// sweep may overshoot it by the number of racing threads).
/// </remarks>
internal sealed class ExpiringCache<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly int _maxEntries;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics? _metrics;
    private readonly string _name;
    private int _count;
    private int _sweeping;

    /// <summary><paramref name="name"/> is the <c>cache</c> tag of the eviction metric (<c>tokenreview</c>, <c>binding</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="maxEntries"/> is less than 1.</exception>
    public ExpiringCache(string name, int maxEntries, TimeProvider time, VerifierMetrics? metrics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _name = name;
        _maxEntries = maxEntries;
        _time = time;
        _metrics = metrics;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The live value for <paramref name="key"/>; an expired entry is removed and reported as missing.</summary>
    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.ExpiresAtUtcTicks > _time.GetUtcNow().UtcTicks)
            {
                value = entry.Value;
                return true;
            }

            if (_entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
            {
                Interlocked.Decrement(ref _count);
                _metrics?.CacheEviction(_name, "expired");
            }
        }

        value = default!;
        return false;
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="ttl"/>; a non-positive TTL removes the key instead.</summary>
    public void Set(TKey key, TValue value, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            Remove(key);
            return;
        }

        var entry = new Entry(value, (_time.GetUtcNow() + ttl).UtcTicks);
        if (_entries.TryAdd(key, entry))
        {
            if (Interlocked.Increment(ref _count) > _maxEntries)
            {
                Trim();
            }
        }
        else
        {
            _entries[key] = entry;
        }
    }

    public void Remove(TKey key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Removes every entry whose key matches; a scan, for rare evictions by cause (<paramref name="cause"/> is the metric's tag).</summary>
    public void RemoveWhere<TState>(TState state, Func<TKey, TState, bool> match, string cause)
    {
        ArgumentNullException.ThrowIfNull(match);
        long removed = 0;
        foreach (var pair in _entries)
        {
            if (match(pair.Key, state) && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
                removed++;
            }
        }

        _metrics?.CacheEviction(_name, cause, removed);
    }

    private void Trim()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow().UtcTicks;
            long expired = 0, dropped = 0;
            foreach (var pair in _entries)
            {
                if (pair.Value.ExpiresAtUtcTicks <= now && _entries.TryRemove(pair))
                {
                    Interlocked.Decrement(ref _count);
                    expired++;
                }
            }

            var target = _maxEntries - (_maxEntries / 10);
            if (Volatile.Read(ref _count) > target)
            {
                // Enumeration order is arbitrary: good enough as random eviction, and it needs no bookkeeping on reads.
                foreach (var pair in _entries)
                {
                    if (Volatile.Read(ref _count) <= target)
                    {
                        break;
                    }

                    if (_entries.TryRemove(pair))
                    {
                        Interlocked.Decrement(ref _count);
                        dropped++;
                    }
                }
            }

            _metrics?.CacheEviction(_name, "expired", expired);
            _metrics?.CacheEviction(_name, "capacity", dropped);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed record Entry(TValue Value, long ExpiresAtUtcTicks);
}
