using System.Collections.Immutable;
using System.Text;

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
    private readonly ExternalSignerSchedule? _schedule;
    private readonly TimeProvider _time;
    private string _jwksUri;
    private (long, long, long) _epoch;
    private volatile KeyRingSnapshot _current;

    public KeyRing(SigningKey signingKey, string issuer, string jwksUri, ExternalSignerSchedule? schedule = null, TimeProvider? time = null)
    {
        _issuer = issuer;
        _jwksUri = jwksUri;
        _schedule = schedule;
        _time = time ?? TimeProvider.System;
        if (schedule is null)
        {
            _current = Build(signingKey, [signingKey], [], null);
        }
        else
        {
            var (signing, published, next, epoch) = schedule.At(_time.GetUtcNow());
            _epoch = epoch;
            _current = Build(signing, published, [], next);
        }
    }

    /// <summary>True when an external signer rotates the keys.</summary>
    public bool IsExternalSigner => _schedule is not null;

    /// <summary>The current keys; with an external signer, first moved to the schedule's keys at the clock's time.</summary>
    public KeyRingSnapshot Current
    {
        get
        {
            if (_schedule is null)
            {
                return _current;
            }

            lock (_lock)
            {
                var (signing, published, next, epoch) = _schedule.At(_time.GetUtcNow());
                if (epoch != _epoch || next != _current.NextSync)
                {
                    _epoch = epoch;
                    _current = Build(signing, published, _current.Excluded, next);
                }

                return _current;
            }
        }
    }

    /// <summary>Adds a key that verifies tokens but is never published (no-op when already there).</summary>
    public void Exclude(SigningKey key)
    {
        lock (_lock)
        {
            var s = _current;
            if (!s.Excluded.Contains(key))
            {
                _current = Build(s.SigningKey, s.Published, s.Excluded.Add(key), s.NextSync);
            }
        }
    }

    public void SetJwksUri(string jwksUri)
    {
        lock (_lock)
        {
            _jwksUri = jwksUri;
            _current = Build(_current.SigningKey, _current.Published, _current.Excluded, _current.NextSync);
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
                _current = Build(s.SigningKey, s.Published.Add(key), s.Excluded, s.NextSync);
            }
        }
    }

    public void SetSigningKey(SigningKey key, bool publish)
    {
        lock (_lock)
        {
            var s = _current;
            var published = publish && !s.Published.Contains(key) ? s.Published.Add(key) : s.Published;
            _current = Build(key, published, s.Excluded, s.NextSync);
        }
    }

    /// <summary>Unpublishes every key with <paramref name="keyId"/>; returns how many were removed.</summary>
    public int Retire(string keyId)
    {
        lock (_lock)
        {
            var s = _current;
            var kept = s.Published.RemoveAll(k => k.KeyId == keyId);
            _current = Build(s.SigningKey, kept, s.Excluded, s.NextSync);
            return s.Published.Length - kept.Length;
        }
    }

    private KeyRingSnapshot Build(SigningKey signing, ImmutableArray<SigningKey> published, ImmutableArray<SigningKey> excluded, DateTimeOffset? nextSync)
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

        return new KeyRingSnapshot(signing, published, Encoding.UTF8.GetBytes(jwks.ToString()), Encoding.UTF8.GetBytes(discovery.ToString()), excluded, nextSync);
    }
}
