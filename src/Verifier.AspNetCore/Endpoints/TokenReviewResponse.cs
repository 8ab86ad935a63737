namespace Verifier.AspNetCore.Endpoints;

/// <summary>A TokenReview as kube-apiserver answers it: kind, apiVersion, metadata, the spec echoed, status.</summary>
internal sealed class TokenReviewResponse
{
    public string Kind { get; set; } = "TokenReview";

    public required string ApiVersion { get; set; }

    public TokenReviewMetadata Metadata { get; set; } = new();

    public required TokenReviewSpec Spec { get; set; }

    public required TokenReviewStatus Status { get; set; }
}
