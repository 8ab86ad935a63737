namespace Verifier.Cluster.Resources;

/// <summary><c>authentication.k8s.io/v1</c> TokenRequest, posted to <c>serviceaccounts/NAME/token</c>.</summary>
internal sealed class V1TokenRequest
{
    public string ApiVersion { get; set; } = "authentication.k8s.io/v1";

    public string Kind { get; set; } = "TokenRequest";

    public V1ObjectMeta? Metadata { get; set; }

    public V1TokenRequestSpec Spec { get; set; } = new();

    public V1TokenRequestStatus? Status { get; set; }
}
