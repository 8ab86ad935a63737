using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Watch;

internal sealed partial class BoundObjectIndex
{
    [LoggerMessage(VerifierEventIds.WatchObjectRevoked, LogLevel.Debug, "The watch shows {Kind} {Uid} {Cause}: its tokens are refused", EventName = "ObjectRevoked")]
    private partial void LogRevoked(WatchedKind kind, string uid, string cause);
}
