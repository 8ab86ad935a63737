namespace Verifier.Testing.Json.Models;

internal sealed class NamespaceDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public NamespaceSpecDto? Spec { get; set; }

    public NamespaceStatusDto? Status { get; set; }
}
