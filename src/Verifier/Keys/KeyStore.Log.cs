using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Keys;

internal sealed partial class KeyStore
{
    [LoggerMessage(VerifierEventIds.KeysRefreshed, LogLevel.Information, "Loaded {KeyCount} verification key(s) from {Origin} (trigger {Trigger}); accepted issuer(s): {Issuers}", EventName = "KeysLoaded")]
    private partial void LogKeysLoaded(int keyCount, string origin, string trigger, string issuers);

    [LoggerMessage(VerifierEventIds.KeysConfirmed, LogLevel.Debug, "Key set from {Origin} unchanged: {KeyCount} key(s) (trigger {Trigger})", EventName = "KeysConfirmed")]
    private partial void LogKeysConfirmed(int keyCount, string origin, string trigger);

    [LoggerMessage(VerifierEventIds.KeysRefreshFailed, LogLevel.Warning, "Key refresh from {Source} failed (trigger {Trigger}): {Error}. Keeping the key set fetched at {FetchedAt:O}", EventName = "RefreshFailed")]
    private partial void LogRefreshFailed(Exception? exception, string source, string trigger, string error, DateTimeOffset fetchedAt);

    [LoggerMessage(VerifierEventIds.KeysRefreshFailedNoKeys, LogLevel.Error, "Key refresh from {Source} failed (trigger {Trigger}) and no key set is loaded yet: {Error}. Tokens fail with KeysUnavailable until a fetch succeeds", EventName = "RefreshFailedNoKeys")]
    private partial void LogRefreshFailedNoKeys(Exception? exception, string source, string trigger, string error);

    [LoggerMessage(VerifierEventIds.KeySetRejected, LogLevel.Warning, "Rejected the key set from {Origin} (trigger {Trigger}): {Reason}. Keeping the key set fetched at {FetchedAt:O}", EventName = "KeySetRejected")]
    private partial void LogKeySetRejected(string origin, string trigger, string reason, DateTimeOffset? fetchedAt);

    [LoggerMessage(VerifierEventIds.KeysUnknownKidRefresh, LogLevel.Information, "A token names kid {KeyId}, which is not in the key set: refreshing keys", EventName = "UnknownKeyIdRefresh")]
    private partial void LogUnknownKeyIdRefresh(string keyId);

    [LoggerMessage(VerifierEventIds.KeysRefreshSuppressed, LogLevel.Debug, "A token names unknown kid {KeyId}; no refresh within the cooldown of {Cooldown}", EventName = "RefreshSuppressed")]
    private partial void LogRefreshSuppressed(string keyId, TimeSpan cooldown);

    [LoggerMessage(VerifierEventIds.KeysStale, LogLevel.Warning, "Key refresh from {Source} failed (trigger {Trigger}): {Error}. The key set fetched at {FetchedAt:O} is stale", EventName = "KeysStale")]
    private partial void LogKeysStale(Exception? exception, string source, string trigger, string error, DateTimeOffset fetchedAt);

    [LoggerMessage(VerifierEventIds.KeysExpired, LogLevel.Error, "Key refresh from {Source} failed (trigger {Trigger}): {Error}. The key set fetched at {FetchedAt:O} is older than {MaxStaleness}: tokens fail with KeysUnavailable", EventName = "KeysExpired")]
    private partial void LogKeysExpired(Exception? exception, string source, string trigger, string error, DateTimeOffset fetchedAt, TimeSpan maxStaleness);

    [LoggerMessage(VerifierEventIds.KeySkipped, LogLevel.Warning, "Skipped key '{KeyId}' from {Origin}: {Reason}", EventName = "KeySkipped")]
    private partial void LogKeySkipped(string keyId, string origin, string reason);

    [LoggerMessage(VerifierEventIds.KeysFileChanged, LogLevel.Debug, "Key source {Source} changed: reloading", EventName = "SourceChanged")]
    private partial void LogSourceChanged(string source);
}
