using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verifier.Testing.Json;

/// <summary>System.Text.Json source generation for the API objects LocalApiServer reads and writes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(StatusDto))]
[JsonSerializable(typeof(TokenRequestDto))]
[JsonSerializable(typeof(TokenReviewDto))]
[JsonSerializable(typeof(PodDto))]
[JsonSerializable(typeof(PodListDto))]
[JsonSerializable(typeof(ServiceAccountDto))]
[JsonSerializable(typeof(ServiceAccountListDto))]
[JsonSerializable(typeof(NamespaceDto))]
[JsonSerializable(typeof(NamespaceListDto))]
[JsonSerializable(typeof(DeleteOptionsDto))]
[JsonSerializable(typeof(SecretDto))]
[JsonSerializable(typeof(SecretListDto))]
[JsonSerializable(typeof(NodeDto))]
[JsonSerializable(typeof(NodeListDto))]
[JsonSerializable(typeof(SelfSubjectReviewDto))]
[JsonSerializable(typeof(SubjectAccessReviewDto))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Compact output with Go-like escaping of quotes (<c>\"</c>, not <c>\u0022</c>), so Status messages such as
    /// <c>pods "web-0" not found</c> read as kube-apiserver writes them.
    /// </summary>
    public static ApiJsonContext Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        AllowTrailingCommas = false,
    });
}
