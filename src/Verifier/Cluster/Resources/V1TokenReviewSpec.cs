namespace Verifier.Cluster.Resources;

internal sealed class V1TokenReviewSpec
{
    /// <summary>The token under review; the API server echoes it back. Never log.</summary>
    public string? Token { get; set; }

    /// <summary>Null or empty: the API server's own audiences.</summary>
    public IList<string>? Audiences { get; set; }
}
