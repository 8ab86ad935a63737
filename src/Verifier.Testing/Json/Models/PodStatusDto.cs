namespace Verifier.Testing.Json.Models;

internal sealed class PodStatusDto
{
    public string? Phase { get; set; }
}
