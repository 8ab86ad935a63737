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

    /// <summary>Index into the snapshot's issuers, or one of the negative constants.</summary>
    public int IssuerIndex;

    public long? Expires;
    public long? NotBefore;
    public long? IssuedAt;
    public long? WarnAfter;

    /// <summary>Offset and length of the unescaped <c>sub</c> value in the payload, or -1; <see cref="SubjectEscaped"/> when it had escapes.</summary>
    public int SubjectStart;
    public int SubjectLength;
    public string? SubjectEscaped;

    public int AudienceMatchCount;

    public string? TokenId;
    public bool HasKubernetesClaim;
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

    /// <summary>Bit per claim already seen: a repeated claim is malformed (Go would silently take the last one).</summary>
    public int Seen;

    public bool HasSubject => SubjectStart >= 0 || SubjectEscaped is not null;
}
