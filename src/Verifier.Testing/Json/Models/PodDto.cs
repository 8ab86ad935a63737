namespace Verifier.Testing.Json.Models;

internal sealed class PodDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public PodSpecDto? Spec { get; set; }

    public PodStatusDto? Status { get; set; }
}
