namespace Verifier.Testing.Json.Models;

internal sealed class StatusCauseDto
{
    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string? Field { get; set; }
}
