namespace Verifier.Testing.Json.Models;

/// <summary>authentication.k8s.io/v1 TokenRequest.</summary>
internal sealed class TokenRequestDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public TokenRequestSpecDto? Spec { get; set; }

    public TokenRequestStatusDto? Status { get; set; }
}
