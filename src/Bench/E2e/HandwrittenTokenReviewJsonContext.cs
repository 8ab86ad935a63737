using System.Text.Json.Serialization;

namespace Bench.E2e;

[JsonSerializable(typeof(HandwrittenTokenReview))]
internal sealed partial class HandwrittenTokenReviewJsonContext : JsonSerializerContext;
