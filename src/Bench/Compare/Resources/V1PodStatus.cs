using Verifier.Cluster.Resources;

namespace Bench.Compare.Resources;

internal sealed class V1PodStatus
{
    public string? Phase { get; set; }
}
