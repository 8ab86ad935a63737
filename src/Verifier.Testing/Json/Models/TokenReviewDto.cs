namespace Verifier.Testing.Json.Models;

/// <summary>authentication.k8s.io/v1 TokenReview.</summary>
internal sealed class TokenReviewDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public TokenReviewSpecDto? Spec { get; set; }

    public TokenReviewStatusDto? Status { get; set; }
}
