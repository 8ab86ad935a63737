using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Validation;

internal sealed partial class LocalTokenVerifier
{
    [LoggerMessage(VerifierEventIds.TokenRejected, LogLevel.Debug, "Token {TokenHash} rejected: {Reason} ({Message}); unknown kid {KeyId}")]
    private partial void LogTokenRejected(string tokenHash, VerificationFailureReason reason, string message, string? keyId);

    [LoggerMessage(VerifierEventIds.TokenAccepted, LogLevel.Trace, "Token {TokenHash} accepted for {Namespace}/{ServiceAccount} (kid {KeyId}, issuer {Issuer})")]
    private partial void LogTokenAccepted(string tokenHash, string @namespace, string serviceAccount, string? keyId, string? issuer);

    [LoggerMessage(VerifierEventIds.CacheEntriesDropped, LogLevel.Information, "Dropped {Count} cached verification result(s) of keys no longer in the key set from {Origin}")]
    private partial void LogCacheEntriesDropped(int count, string origin);
}
