namespace Verifier.Cluster.Resources;

/// <summary><c>authentication.k8s.io/v1</c> TokenReview: the request (spec) and the API server's answer (status).</summary>
internal sealed class V1TokenReview
{
    public string ApiVersion { get; set; } = "authentication.k8s.io/v1";

    public string Kind { get; set; } = "TokenReview";

    public V1TokenReviewSpec Spec { get; set; } = new();

    public V1TokenReviewStatus? Status { get; set; }
}
