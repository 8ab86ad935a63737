namespace Verifier;

/// <summary>
/// One way of reaching a verdict — a mode (Local, TokenReview, Hybrid, Shadow) — behind <see cref="TokenVerifier"/>,
/// which owns everything around it: the entry checks, metrics, logging, cancellation and disposal. A strategy records
/// no metric of its own, so strategies compose (hybrid wraps local, shadow wraps two) without flags.
/// </summary>
internal interface IVerificationStrategy
{
    /// <summary>
    /// The verdict on a token that passed the entry checks (non-empty, at most <c>MaxTokenBytes</c>, ASCII). Completes
    /// synchronously whenever no I/O is needed. A bad token is a failed result, never an exception.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires while waiting for shared work.</exception>
    ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken);

    /// <summary>Keys and API-server health as this strategy sees them; <see cref="VerifierStatus.Mode"/> is set by the caller.</summary>
    VerifierStatus GetStatus();

    /// <summary>Completes once the strategy can give verdicts (first key set loaded; at once without keys).</summary>
    Task WaitUntilReadyAsync(CancellationToken cancellationToken);
}
