namespace Verifier.Testing.Json.Models;

/// <summary>authentication.k8s.io/v1 SelfSubjectReview: the request is empty, the status says who the caller is.</summary>
internal sealed class SelfSubjectReviewDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public SelfSubjectReviewStatusDto? Status { get; set; }
}
