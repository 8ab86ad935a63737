namespace Verifier.Testing.Server;

/// <summary>What open watch streams share: the bookmark interval, an on-demand bookmark signal, and a count of open streams.</summary>
/// <param name="bookmarkInterval">How often a watch with <c>allowWatchBookmarks=true</c> gets a BOOKMARK, on the server's clock.</param>
internal sealed class WatchHub(TimeSpan bookmarkInterval)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _bookmarks = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;

    public TimeSpan BookmarkInterval => bookmarkInterval;

    /// <summary>Watch streams now open (headers sent, not yet ended).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Completes at the next <see cref="RequestBookmarks"/>.</summary>
    public Task BookmarksRequested
    {
        get
        {
            lock (_lock)
            {
                return _bookmarks.Task;
            }
        }
    }

    /// <summary>Every open watch that allows bookmarks sends one now (after the events it has not sent yet).</summary>
    public void RequestBookmarks()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _bookmarks;
            _bookmarks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);
}
