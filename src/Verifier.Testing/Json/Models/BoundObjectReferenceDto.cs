namespace Verifier.Testing.Json.Models;

internal sealed class BoundObjectReferenceDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public string? Name { get; set; }

    public string? Uid { get; set; }
}
