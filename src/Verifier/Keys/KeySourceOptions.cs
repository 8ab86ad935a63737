namespace Verifier.Keys;

/// <summary>How the verifier obtains and refreshes the API server's public keys.</summary>
public sealed class KeySourceOptions
{
    /// <summary>Default <see cref="KeySourceKind.ApiServer"/>.</summary>
    public KeySourceKind Source { get; set; } = KeySourceKind.ApiServer;

    /// <summary>
    /// With <see cref="KeySourceKind.ApiServer"/>: follow the discovery document's <c>jwks_uri</c> instead of
    /// fetching <c>/openid/v1/jwks</c> from the API server itself. Default false, because the advertised
    /// <c>jwks_uri</c> is often unreachable from pods (EKS).
    /// </summary>
    public bool FollowJwksUri { get; set; }

    /// <summary>With <see cref="KeySourceKind.PublicIssuer"/>: the issuer URL whose discovery document is fetched. No default.</summary>
    public Uri? IssuerUrl { get; set; }

    /// <summary>With <see cref="KeySourceKind.StaticFile"/>: a JWKS (<c>{"keys":[...]}</c>) or PEM file of public keys. No default.</summary>
    public string? StaticFilePath { get; set; }

    /// <summary>Periodic refresh interval. Default 1 h (kube-apiserver sends <c>max-age=3600</c>).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Random fraction of <see cref="RefreshInterval"/> added or removed per cycle. Default 0.1.</summary>
    public double RefreshJitter { get; set; } = 0.1;

    /// <summary>Delay between attempts while no key set was ever loaded or the last refresh failed. Default 10 s.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Minimum time between two refreshes triggered by unknown <c>kid</c>s. Default 30 s.</summary>
    public TimeSpan UnknownKeyCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a <c>kid</c> that was still unknown after a refresh is remembered as unknown. Default 5 min.</summary>
    public TimeSpan UnknownKeyNegativeCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Bound on remembered unknown <c>kid</c>s. Default 1024.</summary>
    public int UnknownKeyNegativeCacheSize { get; set; } = 1024;

    /// <summary>Past this age of the last good key set, verification fails with <see cref="VerificationFailureReason.KeysUnavailable"/>. Default 24 h.</summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Timeout of one discovery or JWKS fetch (shared by all waiting callers). Default 10 s.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Responses larger than this are rejected. Default 1 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}
