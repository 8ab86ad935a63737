using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.AspNetCore.Endpoints;

internal sealed partial class TokenVerificationEndpoint
{
    [LoggerMessage(EventId = VerifierEventIds.VerifyEndpointRequest, EventName = "VerifyEndpointRequest", Level = LogLevel.Debug,
        Message = "Verify endpoint ({Dialect}): {Outcome}")]
    private static partial void LogRequest(ILogger logger, string dialect, string outcome);
}
