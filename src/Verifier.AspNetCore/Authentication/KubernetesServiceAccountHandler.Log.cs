using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.AspNetCore.Authentication;

internal sealed partial class KubernetesServiceAccountHandler
{
    [LoggerMessage(EventId = VerifierEventIds.AuthenticationFailed, EventName = "AuthenticationFailed", Level = LogLevel.Information,
        Message = "Scheme {Scheme} rejected a service-account token: {Reason} ({Detail})")]
    private static partial void LogAuthenticationFailed(ILogger logger, string scheme, string reason, string? detail);

    [LoggerMessage(EventId = VerifierEventIds.AuthenticationSucceeded, EventName = "AuthenticationSucceeded", Level = LogLevel.Debug,
        Message = "Scheme {Scheme} authenticated {Username} (pod {Pod})")]
    private static partial void LogAuthenticationSucceeded(ILogger logger, string scheme, string username, string? pod);
}
