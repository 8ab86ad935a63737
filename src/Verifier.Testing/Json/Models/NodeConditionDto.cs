namespace Verifier.Testing.Json.Models;

internal sealed class NodeConditionDto
{
    public string? Type { get; set; }

    public string? Status { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }
}
