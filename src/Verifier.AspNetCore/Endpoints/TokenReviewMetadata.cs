using System.Text.Json.Serialization;

namespace Verifier.AspNetCore.Endpoints;

/// <summary>TokenReview <c>metadata</c>: kube-apiserver answers <c>{"creationTimestamp":null}</c>.</summary>
internal sealed class TokenReviewMetadata
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? CreationTimestamp { get; set; }
}
