namespace Verifier.Watch;

/// <summary>What the index says about a locally valid token's binding.</summary>
internal enum LivenessVerdict
{
    /// <summary>The service account and bound object exist with the claimed uids and are not deleted (past the 60 s leeway).</summary>
    Live,

    /// <summary>The index knows the binding is gone or replaced: the token is rejected without an API call.</summary>
    Invalidated,

    /// <summary>The index is not synced, has lost its watch for longer than <see cref="WatchOptions.MaxLag"/>, or does not watch the kind or namespace.</summary>
    NotTrusted,

    /// <summary>The synced index has never seen the object (created after the last event, or deleted before the index began).</summary>
    Unseen,
}
