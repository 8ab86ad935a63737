namespace Verifier.TokenReview;

/// <summary>
/// TokenReview mode: every token is judged by the API server (through <see cref="TokenReviewer"/>'s cache), exactly
/// as kube-apiserver would authenticate it, with <c>spec.audiences</c> = the configured audiences. Needs no keys, so it
/// is ready at once. Failures: <c>authenticated</c> false → <see cref="VerificationFailureReason.NotAuthenticated"/>
/// with the API server's text, or <see cref="VerificationFailureReason.BindingInvalidated"/> when that text says the
/// binding is gone (<see cref="TokenReviewErrors.IsBindingInvalidation"/>); no answer → <see cref="VerificationFailureReason.ApiServerUnavailable"/>
/// (fail closed); our own credentials refused → <see cref="VerificationFailureReason.VerifierMisconfigured"/>.
/// </summary>
internal sealed class TokenReviewVerification(TokenReviewer reviewer) : IVerificationStrategy
{
    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var pending = reviewer.ReviewAsync(token, cancellationToken);
        return pending.IsCompletedSuccessfully ? new(ToVerdict(pending.Result)) : AwaitVerdictAsync(pending);
    }

    public VerifierStatus GetStatus() => new()
    {
        Mode = VerificationMode.TokenReview,
        IsReady = true,
        ApiServerHealthy = reviewer.ApiServerHealthy,
        LastApiServerError = reviewer.LastError,
    };

    /// <summary>Completes at once: TokenReview mode needs no key set.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The verdict for a review outcome (decided by <see cref="VerificationMode.TokenReview"/>), memoised on the
    /// outcome: a cached review hands every caller one shared result instance. Hybrid and shadow phrase TokenReview
    /// answers through it too.
    /// </summary>
    internal static TokenVerificationResult ToVerdict(TokenReviewOutcome outcome)
    {
        if (outcome.Verdict is { } memo)
        {
            return memo;
        }

        const VerificationMode mode = VerificationMode.TokenReview;
        var verdict = outcome.Kind switch
        {
            TokenReviewOutcomeKind.Authenticated => TokenReviewIdentity.TryCreate(outcome.User!, outcome.Audiences, out var error) is { } identity
                ? TokenVerificationResult.Success(identity, mode)
                : TokenVerificationResult.Failure(VerificationFailureReason.NotAuthenticated, error!, mode),
            TokenReviewOutcomeKind.NotAuthenticated => TokenVerificationResult.Failure(
                TokenReviewErrors.IsBindingInvalidation(outcome.Error) ? VerificationFailureReason.BindingInvalidated : VerificationFailureReason.NotAuthenticated,
                string.IsNullOrEmpty(outcome.Error) ? "the API server did not authenticate the token" : outcome.Error,
                mode),
            TokenReviewOutcomeKind.Misconfigured => TokenVerificationResult.Failure(
                VerificationFailureReason.VerifierMisconfigured,
                $"the API server refused the verifier's TokenReview request (HTTP {outcome.StatusCode}): {outcome.Error}",
                mode),
            _ => TokenVerificationResult.Failure(
                VerificationFailureReason.ApiServerUnavailable,
                "TokenReview unavailable: " + outcome.Error,
                mode),
        };

        outcome.Verdict = verdict;
        return verdict;
    }

    private static async ValueTask<TokenVerificationResult> AwaitVerdictAsync(ValueTask<TokenReviewOutcome> pending) =>
        ToVerdict(await pending.ConfigureAwait(false));
}
