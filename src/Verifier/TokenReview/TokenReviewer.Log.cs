using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.TokenReview;

internal sealed partial class TokenReviewer
{
    [LoggerMessage(EventId = VerifierEventIds.TokenReviewFailed, Level = LogLevel.Warning,
        Message = "TokenReview attempt failed (HTTP {StatusCode}, 0 = no response): {Error}", EventName = "Failed")]
    private static partial void LogFailed(ILogger logger, int statusCode, string? error);

    [LoggerMessage(EventId = VerifierEventIds.TokenReviewRetry, Level = LogLevel.Information,
        Message = "TokenReview retry {Retry} of {MaxRetries} in {DelayMs} ms after HTTP {StatusCode}: {Error}", EventName = "Retry")]
    private static partial void LogRetry(ILogger logger, int retry, int maxRetries, double delayMs, int statusCode, string? error);

    [LoggerMessage(EventId = VerifierEventIds.TokenReviewBreakerOpened, Level = LogLevel.Warning,
        Message = "TokenReview circuit breaker opened for {BreakSeconds} s; last error: {Error}", EventName = "BreakerOpened")]
    private static partial void LogBreakerOpened(ILogger logger, double breakSeconds, string? error);

    [LoggerMessage(EventId = VerifierEventIds.TokenReviewBreakerClosed, Level = LogLevel.Information,
        Message = "TokenReview circuit breaker closed: the API server answers again", EventName = "BreakerClosed")]
    private static partial void LogBreakerClosed(ILogger logger);

    [LoggerMessage(EventId = VerifierEventIds.TokenReviewMisconfigured, Level = LogLevel.Error,
        Message = "The API server refused the verifier's TokenReview request (HTTP {StatusCode}): {Error}. Check the verifier's own credentials and that its service account is bound to the system:auth-delegator ClusterRole", EventName = "Misconfigured")]
    private static partial void LogMisconfigured(ILogger logger, int statusCode, string? error);
}
