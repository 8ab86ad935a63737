namespace Verifier.Cluster.Resources;

internal sealed class V1TokenRequestStatus
{
    /// <summary>The JWT. Never log.</summary>
    public string? Token { get; set; }

    /// <summary>When the token expires as far as the API server is concerned (for extended 3607 s tokens this is earlier than the JWT's exp).</summary>
    public DateTimeOffset ExpirationTimestamp { get; set; }
}
