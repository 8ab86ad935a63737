using System.Text.Json.Serialization;

namespace Bench.E2e;

/// <summary>The TokenReview object as a hand-written client declares it (authentication.k8s.io/v1).</summary>
internal sealed record HandwrittenTokenReview(
    [property: JsonPropertyName("apiVersion")] string ApiVersion,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("spec")] HandwrittenTokenReviewSpec Spec,
    [property: JsonPropertyName("status")] HandwrittenTokenReviewStatus? Status = null);
