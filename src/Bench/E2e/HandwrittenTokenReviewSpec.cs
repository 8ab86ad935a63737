using System.Text.Json.Serialization;

namespace Bench.E2e;

internal sealed record HandwrittenTokenReviewSpec(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("audiences")] IReadOnlyList<string> Audiences);
