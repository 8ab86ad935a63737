using Verifier.Testing.Tokens;

namespace Verifier.Testing;

/// <summary>Key rotation controls, in the order an operator uses them: publish, switch the signer, retire.</summary>
public sealed partial class LocalApiServer
{
    /// <summary>The key that signs new tokens.</summary>
    public SigningKey SigningKey => _state.Keys.Current.SigningKey;

    /// <summary>The kids in the JWKS, in publication order.</summary>
    public IReadOnlyList<string> PublishedKeyIds => [.. _state.Keys.Current.Published.Select(k => k.KeyId)];

    /// <summary>Publishes <paramref name="key"/>'s public half (JWKS and TokenReview accept it) without signing with it.</summary>
    public void AddPublicKey(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _state.Keys.Publish(key);
    }

    /// <summary>Signs new tokens with <paramref name="key"/>; publishes it too unless <paramref name="publish"/> is false (then its tokens fail to verify, as with an unpublished signing key).</summary>
    public void SetSigningKey(SigningKey key, bool publish = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        _state.Keys.SetSigningKey(key, publish);
    }

    /// <summary>Unpublishes every key with <paramref name="keyId"/>; tokens signed with it stop validating. Returns false when none was published.</summary>
    public bool RetireKey(string keyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        return _state.Keys.Retire(keyId) > 0;
    }

    /// <summary>The current JWKS body, byte for byte as served.</summary>
    public string JwksJson => System.Text.Encoding.UTF8.GetString(_state.Keys.Current.Jwks);

    /// <summary>The current discovery document, byte for byte as served.</summary>
    public string DiscoveryJson => System.Text.Encoding.UTF8.GetString(_state.Keys.Current.Discovery);

    /// <summary>
    /// Adds a key excluded from discovery (docs/kube-apiserver.md §9.1): TokenReview accepts tokens it signs
    /// (<see cref="IssueTokenSignedBy"/>), the JWKS never lists it, so offline verification cannot know it.
    /// </summary>
    public void AddExcludedKey(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _state.Keys.Exclude(key);
    }

    /// <summary>With <see cref="LocalApiServerOptions.ExternalSigner"/>, the next key sync (publication, switch or retirement); otherwise null.</summary>
    public DateTimeOffset? NextKeySync => _state.Keys.Current.NextSync;
}
