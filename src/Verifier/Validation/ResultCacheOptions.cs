namespace Verifier.Validation;

/// <summary>The verified-token cache (keyed by an HMAC of the token and audiences, never the raw token).</summary>
public sealed class ResultCacheOptions
{
    /// <summary>Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bound on cached results. Default 10 000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>Upper bound on how long a success is cached; never past the token's <c>exp</c> + leeway. Default 5 min.</summary>
    public TimeSpan SuccessTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long failures are cached. Default zero (not cached).</summary>
    public TimeSpan FailureTtl { get; set; } = TimeSpan.Zero;
}
