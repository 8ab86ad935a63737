using Microsoft.Extensions.Options;

namespace Verifier.Keys;

/// <summary>
/// Keys from a public OIDC issuer (e.g. an S3 bucket or the EKS/GKE issuer URL): discovery at
/// <c>{issuer}/.well-known/openid-configuration</c>, then its <c>jwks_uri</c>, without credentials.
/// </summary>
internal sealed class PublicIssuerKeySource : IKeySource
{
    private readonly IHttpClientFactory _clients;
    private readonly KubernetesTokenVerifierOptions _options;

    public PublicIssuerKeySource(IHttpClientFactory clients, IOptions<KubernetesTokenVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = clients;
        _options = options.Value;
    }

    public string Description => "issuer " + _options.Keys.IssuerUrl;

    public async Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken)
    {
        var issuerUrl = _options.Keys.IssuerUrl ?? throw new KeyFetchException("Verifier:Keys:IssuerUrl is not set.");
        var client = _clients.CreateClient(PublicIssuerHttpClient.Name);
        var maxBytes = _options.Keys.MaxResponseBytes;

        // OIDC Discovery §4: the path is appended to the issuer, whatever path the issuer has.
        var discoveryUri = new Uri(issuerUrl.AbsoluteUri.TrimEnd('/') + DiscoveryDocument.Path, UriKind.Absolute);
        var json = await KeyDocumentClient.GetStringAsync(client, discoveryUri, maxBytes, cancellationToken).ConfigureAwait(false);
        var discovery = DiscoveryDocument.Parse(json, discoveryUri.ToString());

        // OIDC Discovery §4.3: the document's issuer must be the URL it was fetched for. Uri adds a trailing slash to
        // a bare host, so compare without one.
        if (!string.Equals(discovery.Issuer.TrimEnd('/'), issuerUrl.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new KeyFetchException($"The discovery document at {discoveryUri} names issuer '{discovery.Issuer}', not '{issuerUrl}'.");
        }

        var jwksUri = discovery.RequireHttpsJwksUri(discoveryUri.ToString());
        var (jwks, maxAge) = await KeyDocumentClient.GetDocumentAsync(client, jwksUri, maxBytes, cancellationToken).ConfigureAwait(false);
        var (keys, skipped) = JwksParser.Parse(jwks);
        return new KeyMaterial(discovery.Issuer, keys, skipped, jwksUri.ToString(), maxAge);
    }

    public IDisposable? Watch(Action onChange) => null;
}
