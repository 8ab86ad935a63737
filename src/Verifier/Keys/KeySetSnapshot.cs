using System.Collections.Frozen;
using System.Text;

namespace Verifier.Keys;

/// <summary>
/// One immutable key set: the keys in JWKS order, an index by <c>kid</c>, the accepted issuers and when it was
/// fetched. Replaced as a whole (<see cref="KeyStore"/> swaps the reference atomically); readers never lock.
/// </summary>
internal sealed class KeySetSnapshot
{
    private readonly FrozenDictionary<string, VerificationKey[]> _byKeyId;
    private readonly FrozenDictionary<string, VerificationKey[]>.AlternateLookup<ReadOnlySpan<char>> _byKeyIdSpan;
    private readonly HashSet<VerificationKey> _members;

    /// <exception cref="ArgumentException">When <paramref name="keys"/> or <paramref name="issuers"/> is empty.</exception>
    public KeySetSnapshot(IReadOnlyList<VerificationKey> keys, IReadOnlyList<string> issuers, DateTimeOffset fetchedAt, string origin)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(issuers);
        if (keys.Count == 0)
        {
            throw new ArgumentException("A key set needs at least one key.", nameof(keys));
        }

        if (issuers.Count == 0)
        {
            throw new ArgumentException("A key set needs at least one accepted issuer.", nameof(issuers));
        }

        Keys = [.. keys];
        Issuers = [.. issuers];
        IssuersUtf8 = new byte[Issuers.Length][];
        for (var i = 0; i < Issuers.Length; i++)
        {
            IssuersUtf8[i] = Encoding.UTF8.GetBytes(Issuers[i]);
        }

        FetchedAt = fetchedAt;
        Origin = origin;

        // kube-apiserver GetPublicKeys(kid): every key with that kid, in JWKS order (duplicates kept).
        var byKeyId = new Dictionary<string, List<VerificationKey>>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            if (key.KeyId.Length == 0)
            {
                continue;
            }

            if (!byKeyId.TryGetValue(key.KeyId, out var list))
            {
                byKeyId[key.KeyId] = list = [];
            }

            list.Add(key);
        }

        var frozen = new Dictionary<string, VerificationKey[]>(byKeyId.Count, StringComparer.Ordinal);
        foreach (var (kid, list) in byKeyId)
        {
            frozen[kid] = [.. list];
        }

        _byKeyId = frozen.ToFrozenDictionary(StringComparer.Ordinal);
        _byKeyIdSpan = _byKeyId.GetAlternateLookup<ReadOnlySpan<char>>();
        _members = new HashSet<VerificationKey>(Keys, ReferenceEqualityComparer.Instance);
    }

    /// <summary>Every key, in the order the source listed them.</summary>
    public VerificationKey[] Keys { get; }

    /// <summary>Accepted <c>iss</c> values: the configured ones, else the discovered issuer.</summary>
    public string[] Issuers { get; }

    /// <summary><see cref="Issuers"/> as UTF-8, for comparing against the raw JSON without allocating.</summary>
    internal byte[][] IssuersUtf8 { get; }

    /// <summary>When this set was last confirmed by its source (re-confirming an unchanged set moves it forward).</summary>
    public DateTimeOffset FetchedAt { get; }

    /// <summary>Where the keys came from, for logs: a URL or a file path.</summary>
    public string Origin { get; }

    /// <summary>Keys with exactly this non-empty <c>kid</c>; no fallback to other keys (docs/kube-apiserver.md §2).</summary>
    public bool TryGetKeys(ReadOnlySpan<char> keyId, out VerificationKey[] keys) =>
        _byKeyIdSpan.TryGetValue(keyId, out keys!);

    /// <summary>Whether this very key instance (not only its kid) belongs to the set.</summary>
    public bool Contains(VerificationKey key) => _members.Contains(key);
}
