namespace Verifier.Watch;

/// <summary>The kinds whose liveness decides a token (docs/kube-apiserver.md §4, steps 6-9).</summary>
internal enum WatchedKind
{
    ServiceAccount,
    Pod,
    Secret,
    Node,
}
