using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Hosting;

internal sealed partial class VerifierStartupGate
{
    [LoggerMessage(EventId = VerifierEventIds.StartupReady, EventName = "StartupReady", Level = LogLevel.Information,
        Message = "Token verifier ready after {ElapsedMs:0} ms; startup continues")]
    private static partial void LogReady(ILogger logger, double elapsedMs);

    [LoggerMessage(EventId = VerifierEventIds.StartupReadyTimedOut, EventName = "StartupReadyTimedOut", Level = LogLevel.Warning,
        Message = "Token verifier not ready after {TimeoutSeconds} s (last error: {LastError})")]
    private static partial void LogReadyTimedOut(ILogger logger, double timeoutSeconds, string? lastError);
}
