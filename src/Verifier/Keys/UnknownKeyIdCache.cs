namespace Verifier.Keys;

/// <summary>
/// The kids of <see cref="KeyStore"/>'s unknown-kid rule: those waiting for a key set fetched after they were first
/// seen (<see cref="Await"/>), and those such a fetch has shown to be unknown (<see cref="Contains"/>), remembered
/// for <see cref="KeySourceOptions.UnknownKeyNegativeCacheTtl"/> so that repeating one costs no further fetch.
/// Both are bounded by <see cref="KeySourceOptions.UnknownKeyNegativeCacheSize"/>: when the unknown set is full the
/// oldest goes; when the waiting set is full a new kid is not tracked and so stays transient (503, never a wrong
/// 401) until it is found or the set drains at the next fetch.
/// </summary>
internal sealed class UnknownKeyIdCache
{
    /// <summary>
    /// Longer kids are not remembered. An external signer's kid is opaque and up to 1 024 characters
    /// (docs/kube-apiserver.md §9.1); anything longer cannot be real and would let a flood pin memory.
    /// </summary>
    internal const int MaxKeyIdLength = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _expiry = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Dictionary<string, long> _waiting = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly TimeSpan _ttl;

    public UnknownKeyIdCache(int capacity, TimeSpan ttl)
    {
        _capacity = Math.Max(1, capacity);
        _ttl = ttl;
    }

    /// <summary>Kids known to be unknown right now (expired entries included until they are replaced).</summary>
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

    /// <summary>Kids waiting for a fetch to settle them.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Whether a fetch since <paramref name="keyId"/> was first seen has shown it to be unknown, and that is still remembered.</summary>
    public bool Contains(string keyId, DateTimeOffset now)
    {
        lock (_lock)
        {
            return _expiry.TryGetValue(keyId, out var until) && now < until;
        }
    }

    /// <summary>
    /// Notes that a token named <paramref name="keyId"/> when <paramref name="fetchesStarted"/> fetches had started
    /// (the first time counts): any later fetch settles it.
    /// </summary>
    public void Await(string keyId, long fetchesStarted)
    {
        if (keyId.Length > MaxKeyIdLength)
        {
            return;
        }

        lock (_lock)
        {
            if (_waiting.Count < _capacity)
            {
                _waiting.TryAdd(keyId, fetchesStarted);
            }
        }
    }

    /// <summary>
    /// After the successful fetch numbered <paramref name="fetch"/>: every waiting kid first seen before it started and
    /// absent from <paramref name="snapshot"/> becomes unknown; every one it contains stops waiting.
    /// </summary>
    public void Settle(KeySetSnapshot snapshot, long fetch)
    {
        lock (_lock)
        {
            if (_waiting.Count == 0)
            {
                return;
            }

            List<string>? settled = null;
            foreach (var (keyId, seenAfterFetches) in _waiting)
            {
                if (snapshot.TryGetKeys(keyId, out _))
                {
                    (settled ??= []).Add(keyId);
                }
                else if (seenAfterFetches < fetch)
                {
                    (settled ??= []).Add(keyId);
                    AddUnknown(keyId, snapshot.FetchedAt);
                }
            }

            foreach (var keyId in settled ?? [])
            {
                _waiting.Remove(keyId);
            }
        }
    }

    private void AddUnknown(string keyId, DateTimeOffset now)
    {
        if (_ttl <= TimeSpan.Zero)
        {
            return;
        }

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
