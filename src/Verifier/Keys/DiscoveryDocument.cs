using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Verifier.Keys;

/// <summary>The two fields of an OIDC discovery document the verifier uses (docs/kube-apiserver.md §1).</summary>
/// <param name="Issuer">The <c>issuer</c>: kube-apiserver's first <c>--service-account-issuer</c>.</param>
/// <param name="JwksUri">The <c>jwks_uri</c>, when present and absolute.</param>
internal sealed record DiscoveryDocument(string Issuer, Uri? JwksUri)
{
    public const string Path = "/.well-known/openid-configuration";

    /// <summary>kube-apiserver's <c>JWKSPath</c>.</summary>
    public const string ApiServerJwksPath = "/openid/v1/jwks";

    /// <exception cref="KeyFetchException">When the document is not JSON or has no issuer.</exception>
    public static DiscoveryDocument Parse(string json, string origin)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = OpenIdConnectConfiguration.Create(json);
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw new KeyFetchException($"The discovery document from {origin} is not valid JSON: {ex.Message}", ex);
        }

        if (string.IsNullOrEmpty(configuration.Issuer))
        {
            throw new KeyFetchException($"The discovery document from {origin} has no issuer.");
        }

        Uri? jwksUri = null;
        if (!string.IsNullOrEmpty(configuration.JwksUri) && !Uri.TryCreate(configuration.JwksUri, UriKind.Absolute, out jwksUri))
        {
            throw new KeyFetchException($"The discovery document from {origin} has a jwks_uri that is not an absolute URL.");
        }

        return new DiscoveryDocument(configuration.Issuer, jwksUri);
    }

    /// <summary>The <c>jwks_uri</c> to follow.</summary>
    /// <exception cref="KeyFetchException">When there is none, or it is not https.</exception>
    public Uri RequireHttpsJwksUri(string origin)
    {
        var uri = JwksUri ?? throw new KeyFetchException($"The discovery document from {origin} has no jwks_uri.");

        // kube-apiserver refuses a jwks_uri that is not https ("service-account-jwks-uri requires https scheme"); keys
        // fetched over plain http could be swapped by anyone on the path.
        return uri.Scheme == Uri.UriSchemeHttps
            ? uri
            : throw new KeyFetchException($"The discovery document from {origin} has a jwks_uri that is not https: {uri}.");
    }
}
