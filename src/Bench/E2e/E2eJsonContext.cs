using System.Text.Json.Serialization;
using TokenServer;

namespace Bench.E2e;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FactorsResponse))]
internal sealed partial class E2eJsonContext : JsonSerializerContext;
