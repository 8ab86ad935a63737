namespace Verifier.Testing;

/// <summary>
/// An external signer (ExternalJWTSigner, docs/kube-apiserver.md §9.1) in place of the key files: opaque kids,
/// <c>typ: JWT</c> headers, ECDSA keys, and keys rotated on a schedule on the server's <see cref="LocalApiServerOptions.TimeProvider"/>.
/// </summary>
/// <remarks>
/// Key <c>k</c> (from 0, at server start) is published at <c>start + k·RotationInterval</c>, signs new tokens from
/// <see cref="SigningDelay"/> later (key 0 at once) until the next key takes over, and leaves the JWKS
/// <see cref="RetireAfter"/> after that. Every one of these instants is a key sync: the JWKS and discovery responses
/// carry <c>Cache-Control: max-age</c> counting down (rounded up to whole seconds) to the next one.
/// </remarks>
public sealed class ExternalSignerOptions
{
    /// <summary>Algorithms of the successive keys, in turn (RS256, ES256, ES384 or ES512). Default ES256, ES384, ES512.</summary>
    public IList<string> Algorithms { get; } = ["ES256", "ES384", "ES512"];

    /// <summary>Time between two key publications. Default 10 minutes.</summary>
    public TimeSpan RotationInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time between a key's publication and its first signature; shorter than <see cref="RotationInterval"/>. Default 30 s.</summary>
    public TimeSpan SigningDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a key stays published after it stopped signing (its tokens keep verifying). Default 20 minutes.</summary>
    public TimeSpan RetireAfter { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Length of the random opaque kids, 1 to 1 024. Default 64.</summary>
    public int KeyIdLength { get; set; } = 64;
}
