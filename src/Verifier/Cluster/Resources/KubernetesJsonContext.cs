using System.Text.Json.Serialization;

namespace Verifier.Cluster.Resources;

/// <summary>Source-generated JSON for the API-server resources: camelCase, nulls omitted, unknown fields ignored.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1TokenReview))]
[JsonSerializable(typeof(V1TokenRequest))]
[JsonSerializable(typeof(V1Status))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
