using System.Text.Json.Serialization;

namespace Verifier.AspNetCore.Endpoints;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(TokenReviewResponse))]
[JsonSerializable(typeof(KubernetesStatus))]
[JsonSerializable(typeof(VerifiedIdentityResponse))]
[JsonSerializable(typeof(VerificationErrorResponse))]
internal sealed partial class VerifyEndpointJsonContext : JsonSerializerContext;
