using System.Text.Json.Serialization;

namespace TokenServer;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FactorsResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class TokenServerJsonContext : JsonSerializerContext;
