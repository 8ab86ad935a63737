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
        var jwksUri = new Uri(DiscoveryDocument.ApiServerJwksPath, UriKind.Relative);
        var jwksClient = client;
        if (_options.Issuers.Count == 0 || _options.Keys.FollowJwksUri)
        {
            var discoveryUri = new Uri(DiscoveryDocument.Path, UriKind.Relative);
            var json = await KeyDocumentClient.GetStringAsync(client, discoveryUri, maxBytes, cancellationToken).ConfigureAwait(false);
            var discovery = DiscoveryDocument.Parse(json, new Uri(apiServer, discoveryUri).ToString());
            issuer = discovery.Issuer;
            if (_options.Keys.FollowJwksUri)
            {
                jwksUri = discovery.RequireHttpsJwksUri(new Uri(apiServer, discoveryUri).ToString());

                // Never send the verifier's bearer token to another host than the API server.
                if (Uri.Compare(jwksUri, apiServer, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                {
                    jwksClient = _clients.CreateClient(PublicIssuerHttpClient.Name);
                }
            }
        }

        var jwks = await KeyDocumentClient.GetStringAsync(jwksClient, jwksUri, maxBytes, cancellationToken).ConfigureAwait(false);
        var (keys, skipped) = JwksParser.Parse(jwks);
        var origin = jwksUri.IsAbsoluteUri ? jwksUri.ToString() : new Uri(apiServer, jwksUri).ToString();
        return new KeyMaterial(issuer, keys, skipped, origin);
    }

    public IDisposable? Watch(Action onChange) => null;
}
