namespace Verifier.Testing.Json.Models;

internal sealed class NodeSystemInfoDto
{
    public string? KubeletVersion { get; set; }

    public string? OperatingSystem { get; set; }

    public string? Architecture { get; set; }
}
