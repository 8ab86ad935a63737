using System.Collections.Immutable;
using System.Text;
using Verifier.Testing.Json;

namespace Verifier.Testing.Tokens;

/// <summary>
/// The signing key and the published public keys (the <c>--service-account-key-file</c> set), swapped as one
/// immutable <see cref="KeyRingSnapshot"/> so a request sees either the old or the new set, never a mix.
/// The published set is also what TokenReview verifies against, so retiring a key invalidates its tokens.
/// </summary>
internal sealed class KeyRing
{
    private readonly Lock _lock = new();
    private readonly string _issuer;
    private string _jwksUri;
    private volatile KeyRingSnapshot _current;

    public KeyRing(SigningKey signingKey, string issuer, string jwksUri)
    {
        _issuer = issuer;
        _jwksUri = jwksUri;
        _current = Build(signingKey, [signingKey]);
    }

    public KeyRingSnapshot Current => _current;

    public void SetJwksUri(string jwksUri)
    {
        lock (_lock)
        {
            _jwksUri = jwksUri;
            _current = Build(_current.SigningKey, _current.Published);
        }
    }

    /// <summary>Publishes <paramref name="key"/> (no-op when this instance is already published).</summary>
    public void Publish(SigningKey key)
    {
        lock (_lock)
        {
            var s = _current;
            if (!s.Published.Contains(key))
            {
                _current = Build(s.SigningKey, s.Published.Add(key));
            }
        }
    }

    public void SetSigningKey(SigningKey key, bool publish)
    {
        lock (_lock)
        {
            var s = _current;
            var published = publish && !s.Published.Contains(key) ? s.Published.Add(key) : s.Published;
            _current = Build(key, published);
        }
    }

    /// <summary>Unpublishes every key with <paramref name="keyId"/>; returns how many were removed.</summary>
    public int Retire(string keyId)
    {
        lock (_lock)
        {
            var s = _current;
            var kept = s.Published.RemoveAll(k => k.KeyId == keyId);
            _current = Build(s.SigningKey, kept);
            return s.Published.Length - kept.Length;
        }
    }

    private KeyRingSnapshot Build(SigningKey signing, ImmutableArray<SigningKey> published)
    {
        // kube-apiserver openidmetadata.go: compact JSON, this field order, algs distinct and sorted.
        var jwks = new StringBuilder("{\"keys\":[");
        for (var i = 0; i < published.Length; i++)
        {
            if (i > 0)
            {
                jwks.Append(',');
            }

            jwks.Append(published[i].ToJwkJson());
        }

        jwks.Append("]}");

        var algs = published.Select(k => k.Algorithm).Distinct().Order(StringComparer.Ordinal);
        var discovery = new StringBuilder("{\"issuer\":").AppendString(_issuer)
            .Append(",\"jwks_uri\":").AppendString(_jwksUri)
            .Append(",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":")
            .AppendStringArray(algs)
            .Append('}');

        return new KeyRingSnapshot(signing, published, Encoding.UTF8.GetBytes(jwks.ToString()), Encoding.UTF8.GetBytes(discovery.ToString()));
    }
}
