namespace Verifier.Testing.Tokens;

/// <summary>The flag values the token code reads, resolved once from <see cref="LocalApiServerOptions"/>.</summary>
internal sealed record ApiServerSettings(
    IReadOnlyList<string> Issuers,
    IReadOnlyList<string> ApiAudiences,
    long MaxExpirationSeconds,
    bool ExtendExpiration,
    TimeSpan ReviewCacheTtl,
    TimeProvider Time)
{
    /// <summary>claims.go WarnOnlyBoundTokenExpirationSeconds.</summary>
    public const long WarnOnlyBoundTokenExpirationSeconds = 3607;

    /// <summary>claims.go ExpirationExtensionSeconds (1 year).</summary>
    public const long ExpirationExtensionSeconds = 31536000;

    /// <summary>go-jose jwt.DefaultLeeway, also the post-deletionTimestamp grace.</summary>
    public static readonly TimeSpan Leeway = TimeSpan.FromMinutes(1);

    public string SigningIssuer => Issuers[0];

    /// <summary>Headers carry <c>"kid":""</c> (<see cref="LocalApiServerOptions.EmptyKeyId"/>).</summary>
    public bool EmptyKeyId { get; init; }
}
