namespace Verifier.Testing.Json.Models;

internal sealed class NonResourceAttributesDto
{
    public string? Path { get; set; }

    public string? Verb { get; set; }
}
