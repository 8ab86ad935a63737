using Bench.Compare.Resources;
using Verifier.Cluster;
using Verifier.Cluster.Resources;

namespace Bench.Compare;

/// <summary>
/// The pod and service-account calls only the compare run makes (on a real cluster, with <c>--allow-writes</c>), over
/// the library's <see cref="KubernetesApiClient"/> (its deadline, size cap and typed errors) — kept out of the library.
/// </summary>
internal static class ClusterObjects
{
    public static Task<KubernetesApiResult<V1Pod>> GetPodAsync(this KubernetesApiClient client, string @namespace, string name, CancellationToken cancellationToken) =>
        client.SendAsync<V1Pod, V1Pod>(HttpMethod.Get, PodPath(@namespace, name), null, null, BenchJsonContext.Default.V1Pod, cancellationToken);

    public static Task<KubernetesApiResult<V1Pod>> CreatePodAsync(this KubernetesApiClient client, string @namespace, V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentNullException.ThrowIfNull(pod);
        return client.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Escape(@namespace)}/pods", pod, BenchJsonContext.Default.V1Pod, BenchJsonContext.Default.V1Pod, cancellationToken);
    }

    /// <summary><c>DELETE</c> a pod. The API server answers with the pod (carrying its <c>deletionTimestamp</c>) or a Status.</summary>
    public static Task<KubernetesApiResult<V1Pod>> DeletePodAsync(this KubernetesApiClient client, string @namespace, string name, CancellationToken cancellationToken) =>
        client.SendAsync<V1Pod, V1Pod>(HttpMethod.Delete, PodPath(@namespace, name), null, null, BenchJsonContext.Default.V1Pod, cancellationToken);

    public static Task<KubernetesApiResult<V1ServiceAccount>> CreateServiceAccountAsync(this KubernetesApiClient client, string @namespace, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var account = new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name, Namespace = @namespace } };
        return client.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Escape(@namespace)}/serviceaccounts", account,
            BenchJsonContext.Default.V1ServiceAccount, BenchJsonContext.Default.V1ServiceAccount, cancellationToken);
    }

    /// <summary><c>DELETE</c> a service account (the compare run's clean-up on a real cluster).</summary>
    public static Task<KubernetesApiResult<V1ServiceAccount>> DeleteServiceAccountAsync(this KubernetesApiClient client, string @namespace, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return client.SendAsync<V1ServiceAccount, V1ServiceAccount>(HttpMethod.Delete, $"/api/v1/namespaces/{Escape(@namespace)}/serviceaccounts/{Escape(name)}", null, null,
            BenchJsonContext.Default.V1ServiceAccount, cancellationToken);
    }

    private static string PodPath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"/api/v1/namespaces/{Escape(@namespace)}/pods/{Escape(name)}";
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
