namespace Verifier.Testing.Json.Models;

internal sealed class ServiceAccountDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }
}
