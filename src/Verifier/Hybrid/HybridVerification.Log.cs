using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Hybrid;

internal sealed partial class HybridVerification
{
    [LoggerMessage(EventId = VerifierEventIds.BindingInvalidated, Level = LogLevel.Information,
        Message = "The API server declared the binding of {Namespace}/{ServiceAccount} ({BindingKind}) invalid: {Error}", EventName = "BindingInvalidated")]
    private static partial void LogBindingInvalidated(ILogger logger, string @namespace, string serviceAccount, BindingKind bindingKind, string? error);

    [LoggerMessage(EventId = VerifierEventIds.BindingGraceUsed, Level = LogLevel.Warning,
        Message = "API server unreachable: accepting {Namespace}/{ServiceAccount} ({BindingKind}) on a confirmation {AgeSeconds} s old (outage grace)", EventName = "GraceUsed")]
    private static partial void LogGraceUsed(ILogger logger, string @namespace, string serviceAccount, BindingKind bindingKind, double ageSeconds);
}
