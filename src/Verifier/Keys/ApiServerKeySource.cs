using Microsoft.Extensions.Options;
using Verifier.Cluster;

namespace Verifier.Keys;

/// <summary>
/// Keys from the API server itself, with the verifier's credentials (the <see cref="ClusterHttpClient"/> client):
/// discovery for the issuer, then <c>/openid/v1/jwks</c> on the API server, or the advertised <c>jwks_uri</c> with
/// <see cref="KeySourceOptions.FollowJwksUri"/>.
/// </summary>
internal sealed class ApiServerKeySource : IKeySource
{
    private readonly IHttpClientFactory _clients;
    private readonly KubernetesTokenVerifierOptions _options;

    public ApiServerKeySource(IHttpClientFactory clients, IOptions<KubernetesTokenVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = clients;
        _options = options.Value;
    }

    public string Description => "API server " + (_options.ApiServer.Server?.ToString() ?? "(from the cluster connection)");

    public async Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken)
    {
        HttpClient client;
        try
        {
            client = _clients.CreateClient(ClusterHttpClient.Name);
        }
        catch (ClusterConfigurationException ex)
        {
            throw new KeyFetchException("Cannot reach the API server for keys: " + ex.Message, ex);
        }

        var apiServer = client.BaseAddress
            ?? throw new KeyFetchException("No API server address is configured for the key source: set Verifier:ApiServer:Server or Verifier:ApiServer:KubeconfigPath, run in a pod, or use Verifier:Keys:Source StaticFile or PublicIssuer.");
        var maxBytes = _options.Keys.MaxResponseBytes;

        // Discovery is needed for the issuer (unless configured) and for jwks_uri (only when following it).
        string? issuer = null;
        // Under the server URL's path, as kubectl does (a proxy may serve the API under /k8s/clusters/{id}/).
        var jwksUri = UnderServer(apiServer, DiscoveryDocument.ApiServerJwksPath);
        var jwksClient = client;
        if (_options.Issuers.Count == 0 || _options.Keys.FollowJwksUri)
        {
            var discoveryUri = UnderServer(apiServer, DiscoveryDocument.Path);
            var json = await KeyDocumentClient.GetStringAsync(client, discoveryUri, maxBytes, cancellationToken).ConfigureAwait(false);
            var discovery = DiscoveryDocument.Parse(json, discoveryUri.ToString());
            issuer = discovery.Issuer;
            if (_options.Keys.FollowJwksUri)
            {
                jwksUri = discovery.RequireHttpsJwksUri(discoveryUri.ToString());

                // Never send the verifier's bearer token to another host than the API server.
                if (Uri.Compare(jwksUri, apiServer, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                {
                    jwksClient = _clients.CreateClient(PublicIssuerHttpClient.Name);
                }
            }
        }

        var (jwks, maxAge) = await KeyDocumentClient.GetDocumentAsync(jwksClient, jwksUri, maxBytes, cancellationToken).ConfigureAwait(false);
        var (keys, skipped) = JwksParser.Parse(jwks);
        return new KeyMaterial(issuer, keys, skipped, jwksUri.ToString(), maxAge);
    }

    private static Uri UnderServer(Uri apiServer, string rootedPath)
    {
        var server = apiServer.AbsoluteUri;
        return new Uri(server.EndsWith('/') ? server + rootedPath.TrimStart('/') : server + rootedPath, UriKind.Absolute);
    }

    public IDisposable? Watch(Action onChange) => null;
}
