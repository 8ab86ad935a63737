namespace Verifier.Testing.Json.Models;

/// <summary>authorization.k8s.io/v1 SubjectAccessReview and SelfSubjectAccessReview (the latter without user fields).</summary>
internal sealed class SubjectAccessReviewDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public SubjectAccessReviewSpecDto? Spec { get; set; }

    public SubjectAccessReviewStatusDto? Status { get; set; }
}
