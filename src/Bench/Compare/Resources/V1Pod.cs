using Verifier.Cluster.Resources;

namespace Bench.Compare.Resources;

/// <summary>A minimal Pod: enough to create one for a service account, bind tokens to it and see it deleted.</summary>
internal sealed class V1Pod
{
    public string ApiVersion { get; set; } = "v1";

    public string Kind { get; set; } = "Pod";

    public V1ObjectMeta? Metadata { get; set; }

    public V1PodSpec? Spec { get; set; }

    public V1PodStatus? Status { get; set; }
}
