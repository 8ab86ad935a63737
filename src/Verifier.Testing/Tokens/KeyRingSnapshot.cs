using System.Collections.Immutable;

namespace Verifier.Testing.Tokens;

/// <param name="SigningKey">Signs new tokens; published only if it is also in <paramref name="Published"/>.</param>
/// <param name="Published">In publication order; duplicates kept, as kube-apiserver does not de-duplicate.</param>
/// <param name="Jwks">The pre-rendered JWKS body.</param>
/// <param name="Discovery">The pre-rendered discovery document.</param>
/// <param name="Excluded">Keys excluded from discovery: TokenReview verifies with them, the JWKS never lists them (docs/kube-apiserver.md §9.1).</param>
/// <param name="NextSync">With an external signer, the next key sync (the JWKS max-age counts down to it); otherwise null.</param>
internal sealed record KeyRingSnapshot(SigningKey SigningKey, ImmutableArray<SigningKey> Published, byte[] Jwks, byte[] Discovery, ImmutableArray<SigningKey> Excluded, DateTimeOffset? NextSync)
{
    /// <summary>kube-apiserver GetPublicKeys: every key with that kid, or all keys when the token has no kid.</summary>
    public List<SigningKey> Candidates(string? keyId)
    {
        var list = new List<SigningKey>();
        foreach (var k in Published)
        {
            if (string.IsNullOrEmpty(keyId) || k.KeyId == keyId)
            {
                list.Add(k);
            }
        }

        foreach (var k in Excluded)
        {
            if (string.IsNullOrEmpty(keyId) || k.KeyId == keyId)
            {
                list.Add(k);
            }
        }

        return list;
    }
}
