using System.Text.Json.Serialization;

namespace Bench.E2e;

internal sealed record HandwrittenTokenReviewUser(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("uid")] string? Uid,
    [property: JsonPropertyName("groups")] IReadOnlyList<string>? Groups);
