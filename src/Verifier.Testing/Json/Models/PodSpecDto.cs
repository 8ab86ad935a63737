namespace Verifier.Testing.Json.Models;

internal sealed class PodSpecDto
{
    public List<ContainerDto>? Containers { get; set; }

    public string? RestartPolicy { get; set; }

    public long? TerminationGracePeriodSeconds { get; set; }

    public string? ServiceAccountName { get; set; }

    public string? ServiceAccount { get; set; }

    public string? NodeName { get; set; }
}
