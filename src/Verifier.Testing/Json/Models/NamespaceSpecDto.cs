namespace Verifier.Testing.Json.Models;

internal sealed class NamespaceSpecDto
{
    public List<string>? Finalizers { get; set; }
}
