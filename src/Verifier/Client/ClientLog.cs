using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Client;

/// <summary>Log messages of the client-side token sources and handler. Never a token: paths, service accounts, expiry times.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(VerifierEventIds.ClientTokenReloaded, LogLevel.Debug,
        "Read the service-account token from {Path}: issued {IssuedAt:O}, expires {ExpiresAt:O}", EventName = "TokenReloaded")]
    public static partial void TokenReloaded(ILogger logger, string path, DateTimeOffset? issuedAt, DateTimeOffset expiresAt);

    [LoggerMessage(VerifierEventIds.ClientTokenReloadFailed, LogLevel.Warning,
        "Cannot read a usable service-account token from {Path} ({Problem}); {Fallback}", EventName = "TokenReloadFailed")]
    public static partial void TokenReloadFailed(ILogger logger, string path, string problem, string fallback);

    [LoggerMessage(VerifierEventIds.ClientTokenNearExpiry, LogLevel.Warning,
        "The service-account token from {Source} is past {Percent:0} % of its life (issued {IssuedAt:O}, expires {ExpiresAt:O}) and has not " +
        "been replaced: the kubelet or the TokenRequest renewal is failing. Requests will fail once it expires.", EventName = "TokenNearExpiry")]
    public static partial void TokenNearExpiry(ILogger logger, string source, double percent, DateTimeOffset? issuedAt, DateTimeOffset expiresAt);

    [LoggerMessage(VerifierEventIds.ClientTokenRequested, LogLevel.Debug,
        "TokenRequest for {Namespace}/{ServiceAccount}: expires {ExpiresAt:O}, renewal at {RenewAt:O}", EventName = "TokenRequested")]
    public static partial void TokenRequested(ILogger logger, string @namespace, string serviceAccount, DateTimeOffset expiresAt, DateTimeOffset renewAt);

    [LoggerMessage(VerifierEventIds.ClientTokenRequestFailed, LogLevel.Warning,
        "TokenRequest for {Namespace}/{ServiceAccount} failed (attempt {Attempt}): {Error}", EventName = "TokenRequestFailed")]
    public static partial void TokenRequestFailed(ILogger logger, string @namespace, string serviceAccount, int attempt, string error);

    [LoggerMessage(VerifierEventIds.ClientRetryOn401, LogLevel.Information,
        "{Method} {Host} answered 401; retrying once with a freshly loaded token", EventName = "RetryOn401")]
    public static partial void RetryOn401(ILogger logger, string method, string? host);

    [LoggerMessage(EventId = VerifierEventIds.ClientNoRetryOn401, Level = LogLevel.Debug,
        Message = "{Method} {Host} answered 401; not retried because the request body cannot be replayed", EventName = "NoRetryOn401")]
    public static partial void NoRetryOn401(ILogger logger, string method, string? host);
}
