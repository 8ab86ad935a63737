using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier.Watch;

/// <summary>
/// The in-process index of service accounts, pods, secrets and nodes (name, uid, deletion timestamp) that list +
/// watch keep current, and kube-apiserver's liveness rules over it (docs/kube-apiserver.md §4, steps 6-9). Reads are
/// lock-free dictionary lookups and allocate nothing for a live binding. Uids the watch saw deleted or replaced are
/// remembered (bounded), so their tokens are refused at once; everything the index cannot vouch for (not synced,
/// stream lost for longer than <see cref="WatchOptions.MaxLag"/>, a namespace or kind not watched, an object never
/// seen) is <see cref="LivenessVerdict.NotTrusted"/> or <see cref="LivenessVerdict.Unseen"/>, never live.
/// </summary>
internal sealed partial class BoundObjectIndex : IDisposable
{
    /// <summary>kube-apiserver: an object counts as deleted once its deletionTimestamp is more than 60 s (jwt.DefaultLeeway) past.</summary>
    internal static readonly TimeSpan DeletionLeeway = TimeSpan.FromSeconds(60);

    private readonly WatchedScope?[] _allNamespaces = new WatchedScope?[4];
    private readonly Dictionary<string, WatchedScope>?[] _byNamespace = new Dictionary<string, WatchedScope>?[4];
    private readonly List<WatchedScope> _scopes = [];
    private readonly long _maxLagTicks;
    private readonly int _maxGone;
    private readonly ConcurrentDictionary<string, WatchedKind> _gone = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _goneOrder = new();
    private readonly Lock _timersLock = new();
    private readonly Dictionary<string, ITimer> _deletionTimers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;
    private bool _disposed;

    public BoundObjectIndex(WatchOptions options, TimeProvider time, VerifierMetrics metrics, ILogger<BoundObjectIndex> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxLagTicks = options.MaxLag.Ticks;
        _maxGone = options.MaxRememberedDeletions;
        AddScopes(WatchedKind.ServiceAccount, options.Namespaces);
        AddScopes(WatchedKind.Pod, options.Namespaces);
        if (options.WatchSecrets)
        {
            AddScopes(WatchedKind.Secret, options.Namespaces);
        }

        if (options.WatchNodes)
        {
            AddScopes(WatchedKind.Node, []);
        }

        metrics.ObserveWatchIndex(() => (IsSynced, Lag(_time.GetUtcNow()), ObjectCount));
    }

    /// <summary>Raised with an object's uid when the watch shows it deleted, replaced, or past its deletion leeway: cached confirmations of its bindings end.</summary>
    public event Action<string>? ObjectGone;

    public WatchOptions Options { get; }

    /// <summary>Every stream the worker runs: one per kind and watched namespace.</summary>
    public IReadOnlyList<WatchedScope> Scopes => _scopes;

    /// <summary>Every stream has had its first complete list.</summary>
    public bool IsSynced
    {
        get
        {
            foreach (var scope in _scopes)
            {
                if (!scope.Synced)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Objects held, all kinds.</summary>
    public long ObjectCount
    {
        get
        {
            long count = 0;
            foreach (var scope in _scopes)
            {
                count += scope.Objects.Count;
            }

            return count;
        }
    }

    /// <summary>Remembered deleted or replaced uids. Internal for testing.</summary>
    internal int RememberedDeletions => _gone.Count;

    /// <summary>Synced, and no stream has gone longer than <see cref="WatchOptions.MaxLag"/> without a sign of life.</summary>
    public bool IsTrusted(DateTimeOffset now)
    {
        foreach (var scope in _scopes)
        {
            if (!scope.IsTrusted(now.UtcTicks, _maxLagTicks))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The largest watch lag (now − last event, bookmark or list) over the synced streams; null before any synced.</summary>
    public TimeSpan? Lag(DateTimeOffset now)
    {
        TimeSpan? lag = null;
        foreach (var scope in _scopes)
        {
            if (scope.Synced)
            {
                var age = TimeSpan.FromTicks(Math.Max(0, now.UtcTicks - scope.LastActivityTicks));
                lag = lag is { } l && l > age ? l : age;
            }
        }

        return lag;
    }

    /// <summary>Completes once every stream has had its first complete list.</summary>
    public Task WaitUntilSyncedAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// kube-apiserver's liveness checks for a locally valid token, in its order: the service account, then the bound
    /// secret, pod or node. A pod-bound token's node claims are not looked up (§4 step 9).
    /// </summary>
    /// <param name="identity">The locally verified identity.</param>
    /// <param name="now">The verifier's clock.</param>
    /// <param name="rejection">The verdict when <see cref="LivenessVerdict.Invalidated"/>.</param>
    public LivenessVerdict Check(ServiceAccountIdentity identity, DateTimeOffset now, out TokenVerificationResult? rejection)
    {
        ArgumentNullException.ThrowIfNull(identity);
        rejection = null;

        // A legacy token also needs its Secret's data.token, which metadata does not carry; a token without a
        // service-account uid has nothing the index can compare.
        if (identity.IsLegacy || identity.ServiceAccountUid is not { } serviceAccountUid)
        {
            return LivenessVerdict.NotTrusted;
        }

        var serviceAccount = CheckOne(WatchedKind.ServiceAccount, identity.Namespace, identity.ServiceAccountName, serviceAccountUid, now, out rejection);
        if (serviceAccount == LivenessVerdict.Invalidated)
        {
            return serviceAccount;
        }

        LivenessVerdict bound;
        if (identity.PodName is not null || identity.PodUid is not null)
        {
            bound = identity is { PodName: { } pod, PodUid: { } podUid }
                ? CheckOne(WatchedKind.Pod, identity.Namespace, pod, podUid, now, out rejection)
                : LivenessVerdict.NotTrusted;
        }
        else if (identity.SecretName is not null || identity.SecretUid is not null)
        {
            bound = identity is { SecretName: { } secret, SecretUid: { } secretUid }
                ? CheckOne(WatchedKind.Secret, identity.Namespace, secret, secretUid, now, out rejection)
                : LivenessVerdict.NotTrusted;
        }
        else if (identity.NodeName is not null || identity.NodeUid is not null)
        {
            bound = identity is { NodeName: { } node, NodeUid: { } nodeUid }
                ? CheckOne(WatchedKind.Node, "", node, nodeUid, now, out rejection)
                : LivenessVerdict.NotTrusted;
        }
        else
        {
            bound = LivenessVerdict.Live;
        }

        if (bound == LivenessVerdict.Invalidated)
        {
            return bound;
        }

        if (serviceAccount == LivenessVerdict.NotTrusted || bound == LivenessVerdict.NotTrusted)
        {
            return LivenessVerdict.NotTrusted;
        }

        return serviceAccount == LivenessVerdict.Live ? bound : serviceAccount;
    }

    /// <summary>A complete list: the scope's view becomes exactly <paramref name="items"/>; what it held and the list lacks was deleted meanwhile.</summary>
    public void Replace(WatchedScope scope, Dictionary<ObjectName, IndexedObject> items, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var (name, old) in scope.Objects)
        {
            if (!items.TryGetValue(name, out var current) || current.Uid != old.Uid)
            {
                scope.Objects.TryRemove(name, out _);
                Gone(scope.Kind, old.Uid, current is null ? "deleted" : "replaced");
            }
        }

        foreach (var (name, obj) in items)
        {
            Upsert(scope, name, obj, now);
        }

        scope.Touch(now);
        scope.MarkSynced();
        if (IsSynced)
        {
            _synced.TrySetResult();
        }
    }

    /// <summary>An ADDED or MODIFIED event.</summary>
    public void Upsert(WatchedScope scope, ObjectName name, IndexedObject obj, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(obj);
        IndexedObject? previous = null;
        scope.Objects.AddOrUpdate(name, obj, (_, old) =>
        {
            previous = old;
            return obj;
        });
        if (previous is not null && previous.Uid != obj.Uid)
        {
            Gone(scope.Kind, previous.Uid, "replaced");
        }

        if (obj.DeletionTimestamp is { } deletion && previous?.DeletionTimestamp != deletion)
        {
            ScheduleDeletion(scope.Kind, obj.Uid, deletion + DeletionLeeway, now);
        }
    }

    /// <summary>A DELETED event.</summary>
    public void Delete(WatchedScope scope, ObjectName name, string uid)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Objects.TryGetValue(name, out var current) && current.Uid == uid)
        {
            scope.Objects.TryRemove(new KeyValuePair<ObjectName, IndexedObject>(name, current));
        }

        Gone(scope.Kind, uid, "deleted");
    }

    public void Dispose()
    {
        lock (_timersLock)
        {
            _disposed = true;
            foreach (var timer in _deletionTimers.Values)
            {
                timer.Dispose();
            }

            _deletionTimers.Clear();
        }
    }

    private LivenessVerdict CheckOne(WatchedKind kind, string @namespace, string name, string claimedUid, DateTimeOffset now, out TokenVerificationResult? rejection)
    {
        rejection = null;
        var scope = ScopeFor(kind, @namespace);
        if (scope is null || !scope.IsTrusted(now.UtcTicks, _maxLagTicks))
        {
            return LivenessVerdict.NotTrusted;
        }

        if (scope.Objects.TryGetValue(new ObjectName(kind == WatchedKind.Node ? "" : @namespace, name), out var obj))
        {
            if (obj.Uid == claimedUid)
            {
                if (obj.DeletionTimestamp is { } deletion && deletion + DeletionLeeway < now)
                {
                    rejection = Invalidated(kind == WatchedKind.ServiceAccount
                        ? $"service account {@namespace}/{name} has been deleted"
                        : "service account token has been invalidated");
                    return LivenessVerdict.Invalidated;
                }

                return LivenessVerdict.Live;
            }

            // Another uid under the name: replaced, if the claimed one is known to be gone. Otherwise the claimed
            // object may be newer than the last event (watch lag), or older than the index: only TokenReview knows.
            if (_gone.ContainsKey(claimedUid))
            {
                rejection = Invalidated(kind == WatchedKind.ServiceAccount
                    ? $"service account UID ({obj.Uid}) does not match claim ({claimedUid})"
                    : $"{KindWord(kind)} UID ({obj.Uid}) does not match service account {KindWord(kind)} ref claim ({claimedUid})");
                return LivenessVerdict.Invalidated;
            }

            return LivenessVerdict.Unseen;
        }

        if (_gone.ContainsKey(claimedUid))
        {
            rejection = Invalidated(kind == WatchedKind.ServiceAccount
                ? $"serviceaccounts \"{name}\" not found"
                : "service account token has been invalidated");
            return LivenessVerdict.Invalidated;
        }

        return LivenessVerdict.Unseen;
    }

    private static TokenVerificationResult Invalidated(string message) =>
        TokenVerificationResult.Failure(VerificationFailureReason.BindingInvalidated, message, VerificationMode.Watch);

    private static string KindWord(WatchedKind kind) => kind switch
    {
        WatchedKind.Pod => "pod",
        WatchedKind.Secret => "secret",
        WatchedKind.Node => "node",
        _ => "service account",
    };

    private WatchedScope? ScopeFor(WatchedKind kind, string @namespace) =>
        _allNamespaces[(int)kind] ?? (_byNamespace[(int)kind] is { } byNamespace && byNamespace.TryGetValue(@namespace, out var scope) ? scope : null);

    private void AddScopes(WatchedKind kind, IList<string> namespaces)
    {
        if (namespaces.Count == 0)
        {
            var all = new WatchedScope(kind, null);
            _allNamespaces[(int)kind] = all;
            _scopes.Add(all);
            return;
        }

        var byNamespace = new Dictionary<string, WatchedScope>(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            if (!byNamespace.ContainsKey(ns))
            {
                var scope = new WatchedScope(kind, ns);
                byNamespace.Add(ns, scope);
                _scopes.Add(scope);
            }
        }

        _byNamespace[(int)kind] = byNamespace;
    }

    private void Gone(WatchedKind kind, string uid, string cause)
    {
        CancelDeletion(uid);
        if (_gone.TryAdd(uid, kind))
        {
            _goneOrder.Enqueue(uid);
            while (_gone.Count > _maxGone && _goneOrder.TryDequeue(out var oldest))
            {
                _gone.TryRemove(oldest, out _);
            }
        }

        Revoked(kind, uid, cause);
    }

    private void Revoked(WatchedKind kind, string uid, string cause)
    {
        _metrics.WatchRevocation(KindWord(kind), cause);
        LogRevoked(kind, uid, cause);
        ObjectGone?.Invoke(uid);
    }

    /// <summary>A deletion timestamp: the object's tokens end at timestamp + 60 s. The check reads the timestamp itself; the timer ends cached confirmations then.</summary>
    private void ScheduleDeletion(WatchedKind kind, string uid, DateTimeOffset effectiveAt, DateTimeOffset now)
    {
        var due = effectiveAt - now;
        if (due < TimeSpan.Zero)
        {
            CancelDeletion(uid);
            Revoked(kind, uid, "deletion_leeway_ended");
            return;
        }

        lock (_timersLock)
        {
            if (_disposed)
            {
                return;
            }

            if (_deletionTimers.Remove(uid, out var previous))
            {
                previous.Dispose();
            }

            // A tick past the leeway: the check is strict (deleted iff timestamp + 60 s < now).
            _deletionTimers[uid] = _time.CreateTimer(
                static state =>
                {
                    var (index, kind, uid) = ((BoundObjectIndex, WatchedKind, string))state!;
                    index.CancelDeletion(uid);
                    index.Revoked(kind, uid, "deletion_leeway_ended");
                },
                (this, kind, uid),
                due + TimeSpan.FromTicks(1),
                Timeout.InfiniteTimeSpan);
        }
    }

    private void CancelDeletion(string uid)
    {
        lock (_timersLock)
        {
            if (_deletionTimers.Remove(uid, out var timer))
            {
                timer.Dispose();
            }
        }
    }
}
