using System.Text.Json.Serialization;

namespace Bench.E2e;

internal sealed record HandwrittenTokenReviewStatus(
    [property: JsonPropertyName("authenticated")] bool Authenticated,
    [property: JsonPropertyName("user")] HandwrittenTokenReviewUser? User,
    [property: JsonPropertyName("error")] string? Error);
