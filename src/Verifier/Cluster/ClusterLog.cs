using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Cluster;

/// <summary>Log messages of the API-server connection. Never a token: only paths, URLs and reasons.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(VerifierEventIds.ClusterConnectionResolved, LogLevel.Information,
        "API server {Server} from {Source}, credential {CredentialKind}, CA {Trust}", EventName = "ConnectionResolved")]
    public static partial void ConnectionResolved(ILogger logger, Uri server, string source, string credentialKind, string trust);

    [LoggerMessage(VerifierEventIds.ClusterInsecureSkipTlsVerify, LogLevel.Warning,
        "INSECURE: TLS verification of the API server {Server} is OFF because {Source} sets insecure-skip-tls-verify. Anyone on the " +
        "network path can impersonate the API server, serve forged keys and forge TokenReview answers. Give the cluster CA " +
        "(certificate-authority-data) instead.", EventName = "InsecureSkipTlsVerify")]
    public static partial void InsecureSkipTlsVerify(ILogger logger, Uri server, string source);

    [LoggerMessage(VerifierEventIds.ClusterTokenFileReadFailed, LogLevel.Warning,
        "Cannot read the API-server bearer token file {Path}; {Fallback}", EventName = "TokenFileReadFailed")]
    public static partial void TokenFileReadFailed(ILogger logger, string path, string fallback, Exception exception);

    [LoggerMessage(VerifierEventIds.ClusterExecCredentialObtained, LogLevel.Information,
        "Exec credential plugin {Command} for {Source} gave a {CredentialKind}, used until {ExpiresAt}", EventName = "ExecCredentialObtained")]
    public static partial void ExecCredentialObtained(ILogger logger, string command, string source, string credentialKind, string expiresAt);

    [LoggerMessage(VerifierEventIds.ClusterExecRefreshFailed, LogLevel.Warning,
        "Exec credential plugin {Command} for {Source} failed to refresh the credential; keeping the current one until it expires at {ExpiresAt}", EventName = "ExecRefreshFailed")]
    public static partial void ExecRefreshFailed(ILogger logger, string command, string source, string expiresAt, Exception exception);

    [LoggerMessage(VerifierEventIds.ClusterExecFailed, LogLevel.Error,
        "Exec credential plugin {Command} for {Source} failed; requests to the API server fail until it succeeds", EventName = "ExecFailed")]
    public static partial void ExecFailed(ILogger logger, string command, string source, Exception exception);

    [LoggerMessage(VerifierEventIds.ClusterExecCredentialRejected, LogLevel.Information,
        "The API server answered 401 to {Method} {Path} with the exec plugin's credential; running {Command} again and retrying once", EventName = "ExecCredentialRejected")]
    public static partial void ExecCredentialRejected(ILogger logger, string command, string method, string path);

    // Level chosen by the caller: our own credential rejected is a Warning, everything else (404 on a read, an outage the
    // caller retries) is Debug; callers log what the failure means for them.
    [LoggerMessage(EventId = VerifierEventIds.ClusterRequestFailed, Message =
        "API server request {Method} {Path} failed: {Kind} {StatusCode} {Reason}: {Message}", EventName = "ClusterRequestFailed")]
    public static partial void RequestFailed(ILogger logger, LogLevel level, string method, string path, KubernetesApiErrorKind kind, int? statusCode, string? reason, string message);
}
