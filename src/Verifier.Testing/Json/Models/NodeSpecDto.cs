namespace Verifier.Testing.Json.Models;

internal sealed class NodeSpecDto
{
    public string? PodCIDR { get; set; }
}
