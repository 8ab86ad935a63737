using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Shadow;

internal sealed partial class ShadowVerification
{
    [LoggerMessage(EventId = VerifierEventIds.ShadowDisagreement, Level = LogLevel.Warning,
        Message = "Shadow disagreement for {Username}: {PrimaryMode} said {PrimaryReason} ({PrimaryMessage}), {SecondaryMode} said {SecondaryReason} ({SecondaryMessage})", EventName = "Disagreement")]
    private static partial void LogDisagreement(
        ILogger logger,
        string? username,
        VerificationMode primaryMode,
        VerificationFailureReason primaryReason,
        string? primaryMessage,
        VerificationMode secondaryMode,
        VerificationFailureReason secondaryReason,
        string? secondaryMessage);

    [LoggerMessage(EventId = VerifierEventIds.ShadowIdentityMismatch, Level = LogLevel.Warning,
        Message = "Shadow identity mismatch: primary accepted {PrimaryUsername} (pod {PrimaryPod}), secondary accepted {SecondaryUsername} (pod {SecondaryPod})", EventName = "IdentityMismatch")]
    private static partial void LogIdentityMismatch(ILogger logger, string primaryUsername, string? primaryPod, string secondaryUsername, string? secondaryPod);

    [LoggerMessage(EventId = VerifierEventIds.ShadowSkipped, Level = LogLevel.Debug,
        Message = "Shadow comparison skipped: {MaxConcurrency} already running", EventName = "Skipped")]
    private static partial void LogSkipped(ILogger logger, int maxConcurrency);

    [LoggerMessage(EventId = VerifierEventIds.ShadowComparisonFailed, Level = LogLevel.Error,
        Message = "Shadow comparison failed", EventName = "ComparisonFailed")]
    private static partial void LogComparisonFailed(ILogger logger, Exception exception);
}
