using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verifier.AspNetCore.Endpoints;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(TokenReviewResponse))]
[JsonSerializable(typeof(KubernetesStatus))]
[JsonSerializable(typeof(VerifiedIdentityResponse))]
[JsonSerializable(typeof(VerificationErrorResponse))]
internal sealed partial class VerifyEndpointJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context responses are written with: quotes escaped as <c>\"</c> like Go's encoder, not <c>\u0022</c>
    /// (kube error texts quote audiences). The bodies are JSON for API clients, never embedded in HTML.
    /// </summary>
    // Lazy: static initializers of partial class files run in no defined order, and Default lives in the generated file.
    public static VerifyEndpointJsonContext Wire => field ??= new(new JsonSerializerOptions(VerifyEndpointJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
