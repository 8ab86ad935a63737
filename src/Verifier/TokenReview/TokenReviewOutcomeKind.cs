namespace Verifier.TokenReview;

/// <summary>What one TokenReview (or one attempt at it) said.</summary>
internal enum TokenReviewOutcomeKind
{
    /// <summary><c>status.authenticated: true</c>.</summary>
    Authenticated,

    /// <summary><c>status.authenticated</c> false or absent; <see cref="TokenReviewOutcome.Error"/> holds <c>status.error</c>.</summary>
    NotAuthenticated,

    /// <summary>No answer about the token: connection failure, timeout, 408, 429, 5xx, or the circuit breaker is open. Retried, never cached.</summary>
    Unavailable,

    /// <summary>
    /// The API server refused the request itself: 401/403 on the verifier's own credentials, or another 4xx
    /// (no TokenReview API at that URL, a proxy in the way). Not retried, never cached, never "token not authenticated".
    /// </summary>
    Misconfigured,
}
