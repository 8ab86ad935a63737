namespace Verifier.Cluster;

/// <summary>
/// The one named <see cref="HttpClient"/> for the API server (STYLE rule 10). Its base address, CA trust,
/// bearer-token handler, timeout, size cap and User-Agent are configured by <see cref="ClusterServiceCollectionExtensions.AddClusterConnection"/>;
/// callers use relative URIs such as <c>/openid/v1/jwks</c>.
/// </summary>
internal static class ClusterHttpClient
{
    public const string Name = "Verifier.ApiServer";
}
