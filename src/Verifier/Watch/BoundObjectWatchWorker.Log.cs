using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Watch;

internal sealed partial class BoundObjectWatchWorker
{
    [LoggerMessage(VerifierEventIds.WatchSynced, LogLevel.Information, "Watch index synced: {Scope}, {Count} objects at resourceVersion {ResourceVersion}", EventName = "Synced")]
    private partial void LogSynced(string scope, int count, string resourceVersion);

    [LoggerMessage(VerifierEventIds.WatchStreamLost, LogLevel.Debug, "Watch of {Scope} ended ({Cause}); reconnecting", EventName = "StreamEnded")]
    private partial void LogStreamEnded(string scope, string cause);

    [LoggerMessage(VerifierEventIds.WatchListFailed, LogLevel.Warning, "Listing {Scope} failed: {Error}; tokens of it are confirmed by TokenReview until it succeeds", EventName = "ListFailed")]
    private partial void LogListFailed(string scope, string error);

    [LoggerMessage(VerifierEventIds.WatchStopped, LogLevel.Debug, "Watch worker stopped", EventName = "WatchWorkerStopped")]
    private partial void LogStopped();
}
