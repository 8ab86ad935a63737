namespace Verifier.Testing.Json.Models;

/// <summary>metav1.Status as kube-apiserver writes errors.</summary>
internal sealed class StatusDto
{
    public string Kind { get; set; } = "Status";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    public string? Status { get; set; } = "Failure";

    public string? Message { get; set; }

    public string? Reason { get; set; }

    public StatusDetailsDto? Details { get; set; }

    public int Code { get; set; }
}
