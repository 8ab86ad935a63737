using System.Text.Json.Serialization;

namespace Verifier.Watch;

/// <summary>Source-generated JSON for list pages and watch events: camelCase, unknown fields (managedFields, labels, …) skipped.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MetadataListJson))]
[JsonSerializable(typeof(WatchEventJson))]
internal sealed partial class WatchJsonContext : JsonSerializerContext;
