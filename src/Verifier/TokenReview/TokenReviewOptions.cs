namespace Verifier.TokenReview;

/// <summary>Calls to TokenReview (TokenReview mode, hybrid liveness checks, shadow comparison).</summary>
public sealed class TokenReviewOptions
{
    /// <summary>How long an <c>authenticated: true</c> review is cached. Default 10 s (kube-apiserver's own token cache TTL).</summary>
    public TimeSpan SuccessTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an <c>authenticated: false</c> review is cached. Default zero. Transient errors are never cached.</summary>
    public TimeSpan FailureTtl { get; set; } = TimeSpan.Zero;

    /// <summary>Bound on cached reviews. Default 10 000.</summary>
    public int MaxCacheEntries { get; set; } = 10_000;

    /// <summary>Concurrent TokenReview requests at most; further callers wait. Default 32.</summary>
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>Timeout of one review attempt. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after a 429, 5xx or connection failure (Retry-After honoured). Default 2.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First backoff delay, doubled per retry with jitter. Default 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait honoured from a Retry-After header or backoff. Default 5 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed reviews that open the circuit breaker. Default 5.</summary>
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long the breaker stays open before one trial request. Default 30 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
