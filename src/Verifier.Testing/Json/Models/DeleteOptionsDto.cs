namespace Verifier.Testing.Json.Models;

internal sealed class DeleteOptionsDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public long? GracePeriodSeconds { get; set; }

    public string? PropagationPolicy { get; set; }
}
