namespace Verifier.Testing.Json.Models;

/// <summary>v1.Node: metadata, an empty spec, and the status the emulated kubelet reports.</summary>
internal sealed class NodeDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public NodeSpecDto? Spec { get; set; }

    public NodeStatusDto? Status { get; set; }
}
