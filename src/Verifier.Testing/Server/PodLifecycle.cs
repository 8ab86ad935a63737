namespace Verifier.Testing.Server;

/// <summary>
/// What the kubelet and the pod garbage collector do after a graceful pod deletion through the API: the kubelet of
/// an existing node stops the pod and removes the object when its grace period ends (at <c>deletionTimestamp</c>,
/// on the server's <see cref="TimeProvider"/>); a pod bound to a node that does not exist has no kubelet to finish
/// it, so the pod GC removes it (as it does orphaned pods). Without this, <c>kubectl delete pod</c> waits for ever.
/// </summary>
/// <remarks>
/// Deviations: a real kubelet removes the pod as soon as its containers have stopped (often before the grace
/// period ends), and the pod GC waits a quarantine period (40 s) before removing orphans.
/// </remarks>
internal sealed class PodLifecycle(ObjectStore store, TimeProvider time) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), ITimer> _timers = [];
    private bool _disposed;

    /// <summary>Takes over a pod that a delete left terminating (or removed: then nothing is left to do).</summary>
    public void Terminating(PodObject pod)
    {
        var current = store.Get<PodObject>("pods", pod.Namespace, pod.Name);
        if (current is null || current.Uid != pod.Uid || current.DeletionTimestamp is null)
        {
            return;
        }

        if (current.NodeName is null || store.Get<NodeObject>("nodes", null, current.NodeName) is null)
        {
            Remove(current);
            return;
        }

        Schedule(current);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var timer in _timers.Values)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }

    private void Schedule(PodObject pod)
    {
        var due = pod.DeletionTimestamp!.Value - time.GetUtcNow();
        if (due <= TimeSpan.Zero)
        {
            Remove(pod);
            return;
        }

        var key = (pod.Namespace ?? "", pod.Name);
        var uid = pod.Uid;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            // A second delete with a shorter grace period replaces the timer.
            if (_timers.Remove(key, out var previous))
            {
                previous.Dispose();
            }

            _timers[key] = time.CreateTimer(_ => GracePeriodEnded(key, uid), null, due, Timeout.InfiniteTimeSpan);
        }
    }

    private void GracePeriodEnded((string Namespace, string Name) key, string uid)
    {
        lock (_lock)
        {
            if (_timers.Remove(key, out var timer))
            {
                timer.Dispose();
            }
        }

        var pod = store.Get<PodObject>("pods", key.Namespace, key.Name);
        if (pod is null || pod.Uid != uid || pod.DeletionTimestamp is null)
        {
            return;
        }

        if (pod.DeletionTimestamp > time.GetUtcNow())
        {
            Schedule(pod);
            return;
        }

        Remove(pod);
    }

    private void Remove(PodObject pod)
    {
        // Only this incarnation: a pod recreated under the same name in between stays.
        if (store.Get<PodObject>("pods", pod.Namespace, pod.Name)?.Uid == pod.Uid)
        {
            store.Remove("pods", pod.Namespace, pod.Name);
        }
    }
}
