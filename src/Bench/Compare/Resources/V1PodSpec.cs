using Verifier.Cluster.Resources;

namespace Bench.Compare.Resources;

internal sealed class V1PodSpec
{
    public string? ServiceAccountName { get; set; }

    public string? NodeName { get; set; }

    public bool? AutomountServiceAccountToken { get; set; }

    public IList<V1Container>? Containers { get; set; }
}
