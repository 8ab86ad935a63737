using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;

namespace Verifier.Keys;

/// <summary>
/// Owns the current <see cref="KeySetSnapshot"/>: swaps it atomically after a validated fetch (readers never
/// lock), tracks readiness and staleness, and runs refreshes single-flight with their own timeout. Unknown
/// <c>kid</c>s trigger at most one refresh per <see cref="KeySourceOptions.UnknownKeyCooldown"/>, and kids still
/// unknown after one are remembered for a while, so a flood of bogus kids costs O(1) fetches.
/// </summary>
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
    private string? _lastError;
    private Action<KeySetSnapshot, KeySetSnapshot?>[] _listeners = [];
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
    }

    /// <summary>The current key set; null until the first successful fetch.</summary>
    public KeySetSnapshot? Current => Volatile.Read(ref _current);

    public bool IsReady => Current is not null;

    public string SourceDescription => _source.Description;

    /// <summary>Completes once the first key set is loaded.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires first.</exception>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Whether <paramref name="snapshot"/> may still be used at <paramref name="now"/> (not older than <see cref="KeySourceOptions.MaxStaleness"/>).</summary>
    public bool IsUsable(KeySetSnapshot snapshot, DateTimeOffset now) => now - snapshot.FetchedAt <= _options.MaxStaleness;

    /// <summary>Called after every swap with (new, previous); used to drop cached results of keys that left.</summary>
    public void OnSnapshotSwapped(Action<KeySetSnapshot, KeySetSnapshot?> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }
    }

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
    /// For a token whose non-empty <paramref name="keyId"/> is not in the current set: the refresh to wait for, or
    /// null when none may run (the kid is remembered as unknown, or the cooldown since the last unknown-kid refresh
    /// has not passed). A refresh already in flight is joined at no cost.
    /// </summary>
    public Task<bool>? RefreshForUnknownKeyId(string keyId)
    {
        var now = _time.GetUtcNow();
        if (_unknownKeyIds.Contains(keyId, now))
        {
            return null;
        }

        lock (_gate)
        {
            if (_inflight is { } running)
            {
                return running;
            }

            if (_lastUnknownKeyIdRefresh is { } last && now - last < _options.UnknownKeyCooldown)
            {
                _metrics.KeyRefresh(KeyRefreshTrigger.UnknownKid, "suppressed");
                LogRefreshSuppressed(keyId, _options.UnknownKeyCooldown);
                return null;
            }

            _lastUnknownKeyIdRefresh = now;
        }

        LogUnknownKeyIdRefresh(keyId);
        return RefreshAsync(KeyRefreshTrigger.UnknownKid);
    }

    /// <summary>Remembers a kid that a refresh did not bring (see <see cref="KeySourceOptions.UnknownKeyNegativeCacheTtl"/>).</summary>
    public void RememberUnknownKeyId(string keyId) => _unknownKeyIds.Add(keyId, _time.GetUtcNow());

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
            KeysExpired = snapshot is not null && !IsUsable(snapshot, now),
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

        var snapshot = new KeySetSnapshot(keys, issuers, _time.GetUtcNow(), material.Origin);
        Volatile.Write(ref _current, snapshot);
        Volatile.Write(ref _lastError, null);
        _metrics.KeySetLoaded(keys.Length, snapshot.FetchedAt);
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

        foreach (var listener in Volatile.Read(ref _listeners))
        {
            listener(snapshot, previous);
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
        if (!IsUsable(current, now))
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
