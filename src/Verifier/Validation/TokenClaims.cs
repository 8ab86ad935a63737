namespace Verifier.Validation;

/// <summary>
/// The claims of one token as read from its payload (before any check). A mutable struct filled in place by
/// <see cref="TokenValidator"/>; strings are null when absent, empty or JSON null (Go's zero value).
/// </summary>
internal struct TokenClaims
{
    public const int IssuerAbsent = -1;
    public const int IssuerLegacy = -2;
    public const int IssuerUnknown = -3;

    /// <summary>The exact <c>iss</c> member (go-jose's reading): index into the snapshot's issuers, or one of the negative constants.</summary>
    public int IssuerIndex;

    /// <summary>
    /// <c>iss</c> as kube-apiserver's "is this token mine" pre-check reads it with Go's encoding/json: member names
    /// match case-insensitively and the last match wins (docs/kube-apiserver.md §9.3). Same constants.
    /// </summary>
    public int PreCheckIssuerIndex;

    /// <summary>A case-insensitive <c>iss</c> held something other than a string or null: Go's pre-check fails.</summary>
    public bool PreCheckInvalid;

    public long? Expires;
    public long? NotBefore;
    public long? IssuedAt;
    public long? WarnAfter;

    /// <summary>Offset and length of the unescaped <c>sub</c> value in the payload, or -1; <see cref="SubjectEscaped"/> when it had escapes.</summary>
    public int SubjectStart;
    public int SubjectLength;
    public string? SubjectEscaped;

    /// <summary>Bit i set: configured audience i is among the token's <c>aud</c> (at most 64 audiences).</summary>
    public ulong AudienceMatches;

    /// <summary>The token has an <c>aud</c> with at least one entry (kube substitutes the API audiences otherwise).</summary>
    public bool HasAudience;

    public string? TokenId;
    /// <summary>A non-null <c>kubernetes.io</c> member: the bound claim shape (docs/kube-apiserver.md §9.2).</summary>
    public bool HasKubernetesClaim;

    /// <summary>
    /// <c>kubernetes.io</c> (or an object in it) has a member of the wrong type or a repeated member: only kube's bound
    /// validator decodes it, so this fails bound validation and is ignored by legacy validation.
    /// </summary>
    public bool BoundClaimsInvalid;
    public string? Namespace;
    public string? ServiceAccountName;
    public string? ServiceAccountUid;
    public string? PodName;
    public string? PodUid;
    public string? NodeName;
    public string? NodeUid;
    public string? SecretName;
    public string? SecretUid;

    // Legacy Secret-based token claims (docs/kube-apiserver.md §3.2).
    public string? LegacyNamespace;
    public string? LegacySecretName;
    public string? LegacyServiceAccountName;
    public string? LegacyServiceAccountUid;

    /// <summary>A flat legacy claim has the wrong type: only kube's legacy validator decodes those (docs/kube-apiserver.md §3.2).</summary>
    public bool LegacyClaimsInvalid;

    public bool HasLegacyClaims => (Seen & LegacyClaimBits) != 0;

    /// <summary>Set by the parser: the bits of the four flat legacy claims in <see cref="Seen"/>.</summary>
    public const int LegacyClaimBits = (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11);

    /// <summary>Bit per claim already seen: go-jose refuses a repeated member (docs/kube-apiserver.md §9.3).</summary>
    public int Seen;

    public bool HasSubject => SubjectStart >= 0 || SubjectEscaped is not null;
}
