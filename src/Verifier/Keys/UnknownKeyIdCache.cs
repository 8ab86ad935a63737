namespace Verifier.Keys;

/// <summary>
/// Remembers <c>kid</c>s that were still unknown right after a refresh, so repeating one costs no further fetch
/// for <see cref="KeySourceOptions.UnknownKeyNegativeCacheTtl"/>. Bounded: when full, expired entries go first,
/// then the oldest. Only the unknown-kid path (after a failed lookup in the snapshot) touches it.
/// </summary>
internal sealed class UnknownKeyIdCache
{
    // Longer kids are not remembered: they cannot be real (kube: 43 chars, EKS: 40) and would let a flood pin memory.
    internal const int MaxKeyIdLength = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _expiry = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly int _capacity;
    private readonly TimeSpan _ttl;

    public UnknownKeyIdCache(int capacity, TimeSpan ttl)
    {
        _capacity = Math.Max(1, capacity);
        _ttl = ttl;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _expiry.Count;
            }
        }
    }

    public bool Contains(string keyId, DateTimeOffset now)
    {
        lock (_lock)
        {
            return _expiry.TryGetValue(keyId, out var until) && now < until;
        }
    }

    public void Add(string keyId, DateTimeOffset now)
    {
        if (_ttl <= TimeSpan.Zero || keyId.Length > MaxKeyIdLength)
        {
            return;
        }

        lock (_lock)
        {
            if (_expiry.ContainsKey(keyId))
            {
                _expiry[keyId] = now + _ttl;
                return;
            }

            while (_expiry.Count >= _capacity && _order.TryDequeue(out var oldest))
            {
                _expiry.Remove(oldest);
            }

            _expiry[keyId] = now + _ttl;
            _order.Enqueue(keyId);
        }
    }
}
