using System.Text;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.TokenReview;

namespace Verifier.Modes;

/// <summary>
/// TokenReview mode: every token is judged by the API server (through <see cref="TokenReviewer"/>'s cache), exactly
/// as kube-apiserver would authenticate it, with <c>spec.audiences</c> = the configured audiences. Needs no keys, so it
/// is ready at once. Failures: <c>authenticated</c> false → <see cref="VerificationFailureReason.NotAuthenticated"/>
/// with the API server's text, or <see cref="VerificationFailureReason.BindingInvalidated"/> when that text says the
/// binding is gone (<see cref="TokenReviewErrors.IsBindingInvalidation"/>); no answer → <see cref="VerificationFailureReason.ApiServerUnavailable"/>
/// (fail closed); our own credentials refused → <see cref="VerificationFailureReason.VerifierMisconfigured"/>.
/// </summary>
internal sealed class TokenReviewVerifier : IServiceAccountTokenVerifier
{
    private const VerificationMode Mode = VerificationMode.TokenReview;

    private readonly TokenReviewer _reviewer;
    private readonly VerifierMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly int _maxTokenBytes;
    private readonly bool _recordMetrics;

    /// <param name="reviewer">The shared reviewer (cache, breaker, concurrency bound).</param>
    /// <param name="options">The verifier's options.</param>
    /// <param name="metrics">Where <c>verifier.verifications</c> is recorded.</param>
    /// <param name="time">The clock for durations.</param>
    /// <param name="recordMetrics">False when this verifier is shadow mode's secondary, whose samples are not verifications.</param>
    public TokenReviewVerifier(TokenReviewer reviewer, IOptions<KubernetesTokenVerifierOptions> options, VerifierMetrics metrics, TimeProvider time, bool recordMetrics = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        _reviewer = reviewer;
        _metrics = metrics;
        _time = time;
        _maxTokenBytes = options.Value.Validation.MaxTokenBytes;
        _recordMetrics = recordMetrics;
    }

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        var started = _recordMetrics && _metrics.VerificationDurationEnabled ? _time.GetTimestamp() : 0;

        // Checks the API server would make anyway, done here so junk never costs a round trip.
        if (string.IsNullOrEmpty(token))
        {
            return new(Record(TokenVerificationResult.Failure(VerificationFailureReason.Malformed, "token is empty", Mode), started));
        }

        if (token.Length > _maxTokenBytes || (token.Length * 3 > _maxTokenBytes && Encoding.UTF8.GetByteCount(token) > _maxTokenBytes))
        {
            return new(Record(TokenVerificationResult.Failure(VerificationFailureReason.TooLarge, $"token is longer than {_maxTokenBytes} bytes", Mode), started));
        }

        var pending = _reviewer.ReviewAsync(token, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new(Record(ToVerdict(pending.Result), started))
            : AwaitReviewAsync(pending, started);
    }

    public VerifierStatus GetStatus() => new()
    {
        Mode = Mode,
        IsReady = true,
        ApiServerHealthy = _reviewer.ApiServerHealthy,
        LastApiServerError = _reviewer.LastError,
    };

    /// <summary>Completes at once: TokenReview mode needs no key set.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The verdict for a review outcome, memoised on the outcome: a cached review hands every caller one shared
    /// result instance. Also used by shadow and hybrid modes to phrase TokenReview answers alike.
    /// </summary>
    internal static TokenVerificationResult ToVerdict(TokenReviewOutcome outcome, VerificationMode mode = Mode)
    {
        if (mode == Mode && outcome.Verdict is { } memo)
        {
            return memo;
        }

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

        if (mode == Mode)
        {
            outcome.Verdict = verdict;
        }

        return verdict;
    }

    private async ValueTask<TokenVerificationResult> AwaitReviewAsync(ValueTask<TokenReviewOutcome> pending, long started) =>
        Record(ToVerdict(await pending.ConfigureAwait(false)), started);

    private TokenVerificationResult Record(TokenVerificationResult result, long started)
    {
        if (_recordMetrics)
        {
            _metrics.Verification(Mode, result.Reason, started == 0 ? 0 : _time.GetElapsedTime(started).TotalSeconds);
        }

        return result;
    }
}
