namespace Verifier.Testing.Json.Models;

internal sealed class ContainerDto
{
    public string? Name { get; set; }

    public string? Image { get; set; }
}
