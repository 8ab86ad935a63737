namespace Verifier.Watch;

/// <summary>How one watch stream ended, and so what the worker does next.</summary>
internal enum WatchOutcome
{
    /// <summary>The server ended it (timeoutSeconds): watch again from the last version.</summary>
    Ended,

    /// <summary>410 Expired: the version is compacted away; relist.</summary>
    Expired,

    /// <summary>No event or bookmark within <see cref="WatchOptions.MaxLag"/>: reconnect.</summary>
    Stalled,

    /// <summary>The connection broke: reconnect from the last version.</summary>
    Dropped,

    /// <summary>A line that is not a watch event (bad JSON, too large, missing name or uid): events may be lost; relist.</summary>
    Garbage,

    /// <summary>The watch could not be opened, or the server sent an ERROR event other than 410.</summary>
    Failed,
}
