namespace Verifier.Validation;

/// <summary>Local token checks.</summary>
public sealed class ValidationOptions
{
    /// <summary>Leeway for <c>exp</c>. Default 60 s (kube-apiserver: go-jose DefaultLeeway).</summary>
    public TimeSpan ExpirationLeeway { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Leeway for <c>nbf</c>. Default 60 s.</summary>
    public TimeSpan NotBeforeLeeway { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Leeway for <c>iat</c> in the future. Default 60 s.</summary>
    public TimeSpan IssuedAtLeeway { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Tokens longer than this (UTF-8 bytes) are rejected before decoding. Default 16 KiB.</summary>
    public int MaxTokenBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Accept Secret-based legacy tokens (<c>iss</c> = <c>kubernetes/serviceaccount</c>, no <c>exp</c>/<c>aud</c>).
    /// Default false. Offline, a legacy token cannot be checked against its Secret; use Hybrid or TokenReview mode.
    /// </summary>
    public bool AcceptLegacyTokens { get; set; }

    /// <summary>
    /// kube-apiserver's <c>--api-audiences</c>: a token without <c>aud</c> (legacy tokens) is taken to carry these,
    /// and is accepted only when one of them is also in <c>Verifier:Audiences</c>; they are what such a token's
    /// <see cref="ServiceAccountIdentity.Audiences"/> reports. Default empty: the accepted issuers, as kube-apiserver
    /// defaults <c>--api-audiences</c> to its <c>--service-account-issuer</c> values.
    /// </summary>
    public IList<string> ApiAudiences { get; set; } = [];

    /// <summary>
    /// Refuse tokens whose <c>iat</c> is older than this, as <see cref="VerificationFailureReason.Expired"/>, whatever
    /// <c>exp</c> says: some managed clusters refuse old tokens themselves (EKS: 90 days for the one-year pod tokens).
    /// Default null: no limit (kube-apiserver has none). Tokens without <c>iat</c> (legacy) are not affected.
    /// </summary>
    public TimeSpan? MaxTokenAge { get; set; }
}
