namespace Verifier.Cluster.Resources;

/// <summary>The API server's error body (<c>kind: Status</c>): <c>message</c> for people, <c>reason</c> for code.</summary>
internal sealed class V1Status
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    public string? Status { get; set; }

    public string? Message { get; set; }

    /// <summary>E.g. <c>Forbidden</c>, <c>NotFound</c>, <c>Invalid</c>, <c>TooManyRequests</c>.</summary>
    public string? Reason { get; set; }

    public int? Code { get; set; }
}
