namespace Verifier.Cluster.Resources;

internal sealed class V1PodStatus
{
    public string? Phase { get; set; }
}
