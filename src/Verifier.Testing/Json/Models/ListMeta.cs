namespace Verifier.Testing.Json.Models;

/// <summary>metav1.ListMeta; empty (<c>{}</c>) in Status objects.</summary>
internal sealed class ListMeta
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }
}
