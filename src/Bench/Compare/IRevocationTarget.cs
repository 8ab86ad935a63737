namespace Bench.Compare;

/// <summary>
/// The revocation probe's view of a target it can drive: create a pod and a token bound to it, delete the pod
/// gracefully, and move the shared clock (real time cannot be waited out in a run: the grace and leeway are 90 s).
/// </summary>
internal interface IRevocationTarget
{
    /// <summary>Creates pod <paramref name="name"/> (service account of the corpus) and returns a pod-bound token for the run's audience.</summary>
    Task<string> CreatePodWithTokenAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the pod as <c>kubectl delete pod</c> does (deletionTimestamp = now + 30 s termination grace) and returns
    /// when its tokens stop being valid for kube-apiserver: deletionTimestamp + 60 s (docs/kube-apiserver.md §4).
    /// </summary>
    DateTimeOffset DeletePod(string name);

    /// <summary>Moves the shared clock forward by <paramref name="delta"/>.</summary>
    void Advance(TimeSpan delta);

    /// <summary>Sends a bookmark on every open watch, as kube-apiserver does about once a minute.</summary>
    void SendWatchBookmarks();
}
