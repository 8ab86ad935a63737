using Verifier.Cluster.Resources;

namespace Bench.Compare.Resources;

internal sealed class V1Container
{
    public string? Name { get; set; }

    public string? Image { get; set; }
}
