namespace Verifier.Testing.Json.Models;

internal sealed class ResourceAttributesDto
{
    public string? Namespace { get; set; }

    public string? Verb { get; set; }

    public string? Group { get; set; }

    public string? Version { get; set; }

    public string? Resource { get; set; }

    public string? Subresource { get; set; }

    public string? Name { get; set; }
}
