namespace Verifier;

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
}
