namespace Verifier.Testing.Json.Models;

internal sealed class StatusDetailsDto
{
    public string? Name { get; set; }

    public string? Group { get; set; }

    public string? Kind { get; set; }

    public string? Uid { get; set; }

    public List<StatusCauseDto>? Causes { get; set; }

    public int? RetryAfterSeconds { get; set; }
}
