namespace Verifier.AspNetCore.Endpoints;

/// <summary>
/// A <c>v1 Status</c> failure, as kube-apiserver writes for requests it does not answer with a TokenReview (bad
/// request, unavailable): <c>{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":…,"reason":…,"code":…}</c>.
/// </summary>
internal sealed class KubernetesStatus
{
    public string Kind { get; set; } = "Status";

    public string ApiVersion { get; set; } = "v1";

    public KubernetesStatusMetadata Metadata { get; set; } = new();

    public string Status { get; set; } = "Failure";

    public required string Message { get; set; }

    public required string Reason { get; set; }

    public required int Code { get; set; }
}
