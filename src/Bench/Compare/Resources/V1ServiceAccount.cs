using Verifier.Cluster.Resources;

namespace Bench.Compare.Resources;

internal sealed class V1ServiceAccount
{
    public string ApiVersion { get; set; } = "v1";

    public string Kind { get; set; } = "ServiceAccount";

    public V1ObjectMeta? Metadata { get; set; }

    public bool? AutomountServiceAccountToken { get; set; }
}
