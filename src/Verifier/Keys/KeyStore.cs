using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;

namespace Verifier.Keys;

/// <summary>
/// Owns the current <see cref="KeySetSnapshot"/> and every rule about refreshing it: swaps it atomically after a
/// validated fetch (readers never lock), tracks readiness, runs refreshes single-flight with their own timeout, and
/// decides what a token naming an unknown <c>kid</c> gets (<see cref="ResolveUnknownKeyIdAsync"/>).
/// </summary>
/// <remarks>
/// The unknown-kid rule, in one place. A kid is <em>unknown</em> (a 401) only when a key set fetched after the kid
/// was first seen does not contain it; until such a fetch has succeeded the answer is transient (503), so a valid
/// token of a freshly published key is never refused for good because the keys could not be refreshed. Unknown kids
/// cause at most one refresh per <see cref="KeySourceOptions.UnknownKeyCooldown"/>; within the cooldown the transient
/// answer costs no fetch. Kids a fetch has shown to be unknown are remembered for
/// <see cref="KeySourceOptions.UnknownKeyNegativeCacheTtl"/>, so a flood of bogus kids costs O(1) fetches.
/// </remarks>
internal sealed partial class KeyStore : IDisposable
{
    private readonly IKeySource _source;
    private readonly KeySourceOptions _options;
    private readonly string[] _configuredIssuers;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;
    private readonly UnknownKeyIdCache _unknownKeyIds;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();

    private KeySetSnapshot? _current;
    private Task<bool>? _inflight;
    private string? _rerunTrigger;
    private DateTimeOffset? _lastUnknownKeyIdRefresh;
    // Fetches are numbered as they start; a fetch numbered above what a request saw started after the request.
    private long _fetchesStarted;
    private long _lastLoadedFetch; // number of the fetch that loaded the current key set; 0 = none
    private string? _lastError;
    private long _maxAgeTicks = -1; // max-age of the last loaded key set; -1 = none
    private IDisposable? _watcher;
    private int _isDisposed;

    public KeyStore(IKeySource source, IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time, VerifierMetrics metrics, ILogger<KeyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        _source = source;
        _options = options.Value.Keys;
        _configuredIssuers = [.. options.Value.Issuers];
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _unknownKeyIds = new UnknownKeyIdCache(_options.UnknownKeyNegativeCacheSize, _options.UnknownKeyNegativeCacheTtl);
        metrics.ObserveKeySet(() => Current is { } current ? (current.Keys.Length, current.FetchedAt) : null);
    }

    /// <summary>The current key set; null until the first successful fetch.</summary>
    public KeySetSnapshot? Current => Volatile.Read(ref _current);

    public bool IsReady => Current is not null;

    /// <summary>
    /// The <c>Cache-Control: max-age</c> of the response that loaded the current key set; null when it had none (or
    /// nothing is loaded). Counts down to an external signer's next key sync (docs/kube-apiserver.md §9.1).
    /// </summary>
    public TimeSpan? CurrentMaxAge => Interlocked.Read(ref _maxAgeTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    public string SourceDescription => _source.Description;

    /// <summary>Completes once the first key set is loaded.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires first.</exception>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Starts watching the source for changes (static files); idempotent.</summary>
    public void StartWatching()
    {
        lock (_gate)
        {
            _watcher ??= _source.Watch(OnSourceChanged);
        }
    }

    /// <summary>
    /// Fetches, validates and swaps in a new key set; joins the refresh in flight if there is one. The fetch runs
    /// under <see cref="KeySourceOptions.FetchTimeout"/>, not a caller's token: callers that stop waiting use
    /// <c>WaitAsync</c> on the returned task. Never faults; the result says whether a set was loaded.
    /// </summary>
    public Task<bool> RefreshAsync(string trigger)
    {
        TaskCompletionSource<bool> completion;
        lock (_gate)
        {
            if (_inflight is { } running)
            {
                return running;
            }

            completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _inflight = completion.Task;
        }

        _ = RunRefreshAsync(trigger, completion);
        return completion.Task;
    }

    /// <summary>
    /// What a token whose non-empty <paramref name="keyId"/> is not in <paramref name="seenIn"/> (the snapshot it was
    /// validated against) gets: a newer snapshot to validate it against again, <see cref="UnknownKeyIdAnswerKind.Unknown"/>
    /// when a key set fetched since the kid was first seen lacks it, or <see cref="UnknownKeyIdAnswerKind.Unavailable"/>
    /// when no such fetch has succeeded yet (a transient answer). Starts a refresh only when the cooldown allows,
    /// and joins one in flight at no cost.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires while waiting; the refresh goes on.</exception>
    public async ValueTask<UnknownKeyIdAnswer> ResolveUnknownKeyIdAsync(string keyId, KeySetSnapshot seenIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(seenIn);
        if (Current is { } newer && !ReferenceEquals(newer, seenIn))
        {
            return UnknownKeyIdAnswer.TryAgain(newer);
        }

        var now = _time.GetUtcNow();
        var seenAfterFetch = Interlocked.Read(ref _fetchesStarted);
        if (_unknownKeyIds.Contains(keyId, now))
        {
            return UnknownKeyIdAnswer.Unknown;
        }

        // Never start shared work for a caller that is already gone (it would not wait for it).
        cancellationToken.ThrowIfCancellationRequested();
        Task<bool>? refresh = null;
        lock (_gate)
        {
            _unknownKeyIds.Await(keyId, seenAfterFetch);
            if (_inflight is { } running)
            {
                refresh = running;
            }
            else if (_lastUnknownKeyIdRefresh is { } last && now - last < _options.UnknownKeyCooldown)
            {
                _metrics.KeyRefresh(KeyRefreshTrigger.UnknownKid, "suppressed");
                LogRefreshSuppressed(keyId, _options.UnknownKeyCooldown);
                return UnknownKeyIdAnswer.Unavailable(
                    $"kid '{keyId}' is not in the key set and no key set has been fetched since it was first seen; the next refresh for unknown kids may run in {(last + _options.UnknownKeyCooldown - now).TotalSeconds:0.#} s (Verifier:Keys:UnknownKeyCooldown)");
            }
            else
            {
                _lastUnknownKeyIdRefresh = now;
            }
        }

        if (refresh is null)
        {
            LogUnknownKeyIdRefresh(keyId);
            refresh = RefreshAsync(KeyRefreshTrigger.UnknownKid);
        }

        var loaded = await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Current is { } current && !ReferenceEquals(current, seenIn) && current.TryGetKeys(keyId, out _))
        {
            return UnknownKeyIdAnswer.TryAgain(current);
        }

        // Unknown when a key set fetched since this request (or, remembered, since the kid's first request) lacks it.
        if (Interlocked.Read(ref _lastLoadedFetch) > seenAfterFetch || _unknownKeyIds.Contains(keyId, _time.GetUtcNow()))
        {
            return UnknownKeyIdAnswer.Unknown;
        }

        return UnknownKeyIdAnswer.Unavailable(loaded
            ? $"kid '{keyId}' is not in the key set; only a key set fetched before it was first seen has been loaded so far"
            : $"kid '{keyId}' is not in the key set and the keys could not be refreshed: {Volatile.Read(ref _lastError)}");
    }

    internal int UnknownKeyIdCount => _unknownKeyIds.Count;

    public VerifierStatus GetStatus(VerificationMode mode)
    {
        var snapshot = Current;
        var now = _time.GetUtcNow();
        var age = snapshot is null ? TimeSpan.Zero : now - snapshot.FetchedAt;
        return new VerifierStatus
        {
            Mode = mode,
            IsReady = snapshot is not null,
            KeysFetchedAt = snapshot?.FetchedAt,
            KeyCount = snapshot?.Keys.Length ?? 0,
            KeysStale = snapshot is not null && age > StaleAfter,
            KeysExpired = snapshot is not null && !snapshot.IsUsableAt(now),
            LastKeyRefreshError = Volatile.Read(ref _lastError),
        };
    }

    // Past one (jittered) refresh interval plus a fetch, a successful periodic refresh would have moved FetchedAt.
    private TimeSpan StaleAfter => (_options.RefreshInterval * (1 + _options.RefreshJitter)) + _options.FetchTimeout;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _isDisposed, 1) != 0)
        {
            return;
        }

        _disposed.Cancel();
        lock (_gate)
        {
            _watcher?.Dispose();
            _watcher = null;
        }

        _disposed.Dispose();
    }

    private void OnSourceChanged()
    {
        LogSourceChanged(_source.Description);
        lock (_gate)
        {
            // A refresh in flight may have read the file before this change: run another one after it.
            if (_inflight is not null)
            {
                _rerunTrigger = KeyRefreshTrigger.FileChanged;
                return;
            }
        }

        _ = RefreshAsync(KeyRefreshTrigger.FileChanged);
    }

    private async Task RunRefreshAsync(string trigger, TaskCompletionSource<bool> completion)
    {
        var loaded = false;
        try
        {
            loaded = await FetchAndSwapAsync(trigger).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A refresh must never fault its waiters or the worker; the error is logged and kept for status.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordFailure(trigger, "failure", "unexpected error: " + ex.Message, ex);
        }
        finally
        {
            string? rerun;
            lock (_gate)
            {
                _inflight = null;
                rerun = _rerunTrigger;
                _rerunTrigger = null;
            }

            // Ready only once the refresh is no longer in flight: a caller that wakes up and asks for a refresh
            // gets a new one, not the one that just finished.
            if (loaded)
            {
                _ready.TrySetResult();
            }

            completion.TrySetResult(loaded);
            if (rerun is not null && !_disposed.IsCancellationRequested)
            {
                _ = RefreshAsync(rerun);
            }
        }
    }

    private async Task<bool> FetchAndSwapAsync(string trigger)
    {
        // Kids first seen before this fetch started are settled by it: absent from its key set, they are unknown.
        var fetch = Interlocked.Increment(ref _fetchesStarted);
        KeyMaterial material;
        using (var timeout = new CancellationTokenSource(_options.FetchTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed.Token))
        {
            try
            {
                material = await _source.FetchAsync(linked.Token).ConfigureAwait(false);
            }
            catch (KeyFetchException ex)
            {
                RecordFailure(trigger, "failure", ex.Message, null);
                return false;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                RecordFailure(trigger, "failure", $"timed out after {_options.FetchTimeout} (Verifier:Keys:FetchTimeout)", ex);
                return false;
            }
            catch (OperationCanceledException ex) when (!_disposed.IsCancellationRequested)
            {
                // HttpClient.Timeout of the named client (a TaskCanceledException wrapping a TimeoutException).
                RecordFailure(trigger, "failure", "timed out: " + ex.Message, ex);
                return false;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                RecordFailure(trigger, "failure", ex.Message, ex);
                return false;
            }
        }

        foreach (var skipped in material.Skipped)
        {
            LogKeySkipped(skipped.KeyId, material.Origin, skipped.Reason);
        }

        if (material.Keys.Count == 0)
        {
            var reason = material.Skipped.Count == 0 ? "the key set is empty" : $"none of its {material.Skipped.Count} keys is usable";
            RecordRejected(trigger, material.Origin, reason);
            return false;
        }

        string[] issuers;
        if (_configuredIssuers.Length > 0)
        {
            issuers = _configuredIssuers;
        }
        else if (!string.IsNullOrEmpty(material.Issuer))
        {
            issuers = [material.Issuer];
        }
        else
        {
            RecordRejected(trigger, material.Origin, "no issuer is configured (Verifier:Issuers) and the source has no discovery document");
            return false;
        }

        var previous = Current;
        var keys = new VerificationKey[material.Keys.Count];
        var reused = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = FindSameKey(previous, material.Keys[i]) ?? material.Keys[i];
            if (!ReferenceEquals(keys[i], material.Keys[i]))
            {
                reused++;
            }
        }

        var snapshot = new KeySetSnapshot(keys, issuers, _time.GetUtcNow(), material.Origin, _options.MaxStaleness);
        Interlocked.Exchange(ref _maxAgeTicks, material.MaxAge is { } maxAge && maxAge >= TimeSpan.Zero ? maxAge.Ticks : -1);
        Volatile.Write(ref _current, snapshot);
        Volatile.Write(ref _lastError, null);
        _unknownKeyIds.Settle(snapshot, fetch);
        Interlocked.Exchange(ref _lastLoadedFetch, fetch);
        _metrics.KeyRefresh(trigger, "success");
        var changed = previous is null || reused != keys.Length || previous.Keys.Length != keys.Length
            || !previous.Issuers.AsSpan().SequenceEqual(issuers);
        if (changed)
        {
            LogKeysLoaded(keys.Length, material.Origin, trigger, string.Join(", ", issuers));
        }
        else
        {
            LogKeysConfirmed(keys.Length, material.Origin, trigger);
        }

        return true;
    }

    private static VerificationKey? FindSameKey(KeySetSnapshot? previous, VerificationKey key)
    {
        if (previous is null)
        {
            return null;
        }

        foreach (var candidate in previous.Keys)
        {
            if (candidate.IsSameKey(key))
            {
                return candidate;
            }
        }

        return null;
    }

    private void RecordFailure(string trigger, string result, string error, Exception? exception)
    {
        Volatile.Write(ref _lastError, error);
        _metrics.KeyRefresh(trigger, result);
        var current = Current;
        if (current is null)
        {
            LogRefreshFailedNoKeys(exception, _source.Description, trigger, error);
            return;
        }

        var now = _time.GetUtcNow();
        if (!current.IsUsableAt(now))
        {
            LogKeysExpired(exception, _source.Description, trigger, error, current.FetchedAt, _options.MaxStaleness);
        }
        else if (now - current.FetchedAt > StaleAfter)
        {
            LogKeysStale(exception, _source.Description, trigger, error, current.FetchedAt);
        }
        else
        {
            LogRefreshFailed(exception, _source.Description, trigger, error, current.FetchedAt);
        }
    }

    private void RecordRejected(string trigger, string origin, string reason)
    {
        Volatile.Write(ref _lastError, $"key set from {origin} rejected: {reason}");
        _metrics.KeyRefresh(trigger, "invalid");
        LogKeySetRejected(origin, trigger, reason, Current?.FetchedAt);
    }
}
