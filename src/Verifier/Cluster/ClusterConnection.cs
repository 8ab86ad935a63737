namespace Verifier.Cluster;

/// <summary>The resolved way to reach the API server.</summary>
/// <param name="Server">Base URL of the API server (or of <c>kubectl proxy</c>).</param>
/// <param name="Source">Where it came from, for logs: <c>options</c>, <c>kubeconfig:PATH#CONTEXT</c>, <c>in-cluster</c>.</param>
internal sealed record ClusterConnection(Uri Server, string Source);
