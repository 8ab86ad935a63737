namespace Verifier.Cluster.Resources;

internal sealed class V1TokenReviewStatus
{
    /// <summary>Omitted by the API server when false (omitempty), so absent reads as false.</summary>
    public bool Authenticated { get; set; }

    public V1UserInfo? User { get; set; }

    /// <summary>The intersection of the requested audiences and the token's; absent on failure.</summary>
    public IList<string>? Audiences { get; set; }

    /// <summary>E.g. <c>[invalid bearer token, service account token has been invalidated]</c>.</summary>
    public string? Error { get; set; }
}
