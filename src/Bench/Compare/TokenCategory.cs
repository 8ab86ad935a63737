namespace Bench.Compare;

/// <summary>What a corpus token is, and so what the reference (TokenReview) should say about it.</summary>
internal enum TokenCategory
{
    Valid,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongIssuer,
    TamperedSignature,
    UnknownKid,
    RotatedOutKey,
    DeletedPod,
    RecreatedPod,
    LegacySecret,
    Malformed,

    /// <summary>A bound token with the issuer <c>kubernetes/serviceaccount</c> (docs/kube-apiserver.md §9.2), some with an empty kid.</summary>
    LegacyIssuerBound,

    /// <summary>A valid token followed by a newline, as read from a file (go-jose skips it, docs/kube-apiserver.md §9.3).</summary>
    TrailingNewline,

    /// <summary>An external signer's token: <c>typ: JWT</c>, an opaque kid, ES384 (docs/kube-apiserver.md §9.1).</summary>
    ExternalSigner,

    /// <summary>Signed by a key published after the verifier's last key fetch.</summary>
    FreshlyRotatedKey,

    /// <summary>Signed by a key excluded from discovery: kube accepts it, the JWKS never lists it (docs/kube-apiserver.md §9.1).</summary>
    ExcludedKey,
}
