using Verifier.Shadow;
namespace Verifier;

/// <summary>How tokens are verified.</summary>
public enum VerificationMode
{
    /// <summary>Offline only: signature, issuer, audience and time checked against the cached JWKS.</summary>
    Local,

    /// <summary>Every token goes to the API server's TokenReview (cached briefly), as kube-apiserver itself decides.</summary>
    TokenReview,

    /// <summary>Local first; a token that passes has its binding confirmed by TokenReview at most once per liveness TTL.</summary>
    Hybrid,

    /// <summary>Answers with <see cref="ShadowOptions.Primary"/> and runs the other mode on a sample, counting disagreements.</summary>
    Shadow,

    /// <summary>
    /// Local first; then the token's service account and bound pod, secret or node are checked against an index that
    /// list + watch keeps current (no API call per token). Where the index cannot vouch (not synced, watch lost,
    /// an object not yet seen), TokenReview as in <see cref="Hybrid"/>.
    /// </summary>
    Watch,
}
