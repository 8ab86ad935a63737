namespace Verifier.Testing.Json.Models;

internal sealed class NamespaceStatusDto
{
    public string? Phase { get; set; }
}
