namespace Verifier;

/// <summary>A point-in-time view of the verifier's health.</summary>
public sealed record VerifierStatus
{
    public required VerificationMode Mode { get; init; }

    /// <summary>A key set is loaded (always true in pure TokenReview mode).</summary>
    public required bool IsReady { get; init; }

    /// <summary>When the current key set was fetched; null before the first.</summary>
    public DateTimeOffset? KeysFetchedAt { get; init; }

    public int KeyCount { get; init; }

    /// <summary>The key set is older than the refresh interval (refreshes are failing).</summary>
    public bool KeysStale { get; init; }

    /// <summary>The key set is older than the maximum staleness: local verification fails with KeysUnavailable.</summary>
    public bool KeysExpired { get; init; }

    /// <summary>The last key refresh error, when the last attempt failed.</summary>
    public string? LastKeyRefreshError { get; init; }

    /// <summary>Null when the mode does not use the API server; false while its calls fail or the breaker is open.</summary>
    public bool? ApiServerHealthy { get; init; }

    public string? LastApiServerError { get; init; }

    /// <summary>
    /// Watch mode: every stream of the bound-object index has listed and none has lost its watch for longer than
    /// <c>Watch:MaxLag</c>. False: liveness is confirmed by TokenReview meanwhile. Null in other modes.
    /// </summary>
    public bool? WatchSynced { get; init; }

    /// <summary>Watch mode: the largest watch lag (now − last event, bookmark or list) over the streams; null before the first list and in other modes.</summary>
    public TimeSpan? WatchLag { get; init; }
}
