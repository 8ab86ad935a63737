namespace Verifier.Cluster.Resources;

internal sealed class V1TokenRequestSpec
{
    /// <summary>Null or empty: the API server's audiences.</summary>
    public IList<string>? Audiences { get; set; }

    /// <summary>At least 600; the API server defaults to 3600 and may shorten it (max-token-expiration).</summary>
    public long? ExpirationSeconds { get; set; }

    public V1BoundObjectReference? BoundObjectRef { get; set; }
}
