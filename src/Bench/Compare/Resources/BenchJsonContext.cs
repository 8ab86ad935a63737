using System.Text.Json.Serialization;

namespace Bench.Compare.Resources;

/// <summary>Source-generated JSON for the pod and service-account objects only the compare run creates (same conventions as the library's).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1ServiceAccount))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
