namespace Verifier.Keys;

/// <summary>
/// The signature algorithms kube-apiserver produces (docs/kube-apiserver.md §2: RSA of any size signs RS256 only; ECDSA
/// P-256/384/521 signs ES256/384/512). Everything else (none, HS*, PS*, ...) is rejected.
/// </summary>
internal enum JwsAlgorithm
{
    None = 0,
    RS256,
    ES256,
    ES384,
    ES512,
}
