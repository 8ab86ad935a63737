using System.Collections.Concurrent;

namespace Verifier.Watch;

/// <summary>
/// One list + watch stream's view: the objects of one kind in one namespace (or all of them), whether the first list
/// has arrived, and when the stream last proved alive. Written only by its stream's loop; read lock-free by verifications.
/// </summary>
internal sealed class WatchedScope
{
    private long _lastActivityTicks;
    private volatile bool _synced;

    public WatchedScope(WatchedKind kind, string? @namespace)
    {
        Kind = kind;
        Namespace = @namespace;
    }

    public WatchedKind Kind { get; }

    /// <summary>Null: every namespace (or, for nodes, the cluster).</summary>
    public string? Namespace { get; }

    public ConcurrentDictionary<ObjectName, IndexedObject> Objects { get; } = new();

    /// <summary>True from the first complete list on; a relist keeps it (the old view stays until the new one replaces it).</summary>
    public bool Synced => _synced;

    /// <summary>UTC ticks of the last list, event or bookmark.</summary>
    public long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    /// <summary>The version to watch from; null when a (re)list is needed. Read and written by the stream's loop only.</summary>
    public string? ResourceVersion { get; set; }

    public string Resource => Kind switch
    {
        WatchedKind.Pod => "pods",
        WatchedKind.ServiceAccount => "serviceaccounts",
        WatchedKind.Secret => "secrets",
        _ => "nodes",
    };

    /// <summary>For logs and metrics: <c>pods</c>, <c>pods in apps</c>.</summary>
    public string Description => Namespace is null ? Resource : $"{Resource} in {Namespace}";

    public bool IsTrusted(long nowTicks, long maxLagTicks) => _synced && nowTicks - Volatile.Read(ref _lastActivityTicks) <= maxLagTicks;

    public void Touch(DateTimeOffset now) => Volatile.Write(ref _lastActivityTicks, now.UtcTicks);

    public void MarkSynced() => _synced = true;
}
