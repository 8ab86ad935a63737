namespace Verifier.Testing;

/// <summary>Test hooks for the list and watch protocol: versions, bookmarks, compaction.</summary>
public sealed partial class LocalApiServer
{
    /// <summary>The store's current resource version (what a list now reports in <c>metadata.resourceVersion</c>).</summary>
    public long ResourceVersion => _state.Store.ResourceVersion;

    /// <summary>Watch streams now open (headers sent, not yet ended): wait on it to know a client's watch is in place.</summary>
    public int OpenWatchCount => _state.Watches.Open;

    /// <summary>Every open watch with <c>allowWatchBookmarks=true</c> sends a BOOKMARK now, without waiting for <see cref="LocalApiServerOptions.WatchBookmarkInterval"/>.</summary>
    public void SendWatchBookmarks() => _state.Watches.RequestBookmarks();

    /// <summary>
    /// Forgets every write so far, as an etcd compaction at the current revision: a new watch from an older version,
    /// an exact list at one and a <c>continue</c> token from before get 410 Gone. Open watches are caught up and carry
    /// on; to send a client through "watch lost → 410 → relist", compact and then cut its stream with a
    /// <see cref="ApiFault.Drop"/> on <see cref="ApiEndpoint.Watch"/>.
    /// </summary>
    public void CompactHistory() => _state.Store.Compact();
}
