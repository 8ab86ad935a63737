namespace Verifier.Testing;

/// <summary>The endpoint groups <see cref="LocalApiServer"/> counts and can inject faults into.</summary>
public enum ApiEndpoint
{
    /// <summary><c>GET /.well-known/openid-configuration</c>.</summary>
    OidcDiscovery,

    /// <summary><c>GET /openid/v1/jwks</c>.</summary>
    Jwks,

    /// <summary><c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>.</summary>
    TokenReview,

    /// <summary><c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>.</summary>
    TokenRequest,

    /// <summary>Everything else: API discovery (<c>/api</c>, <c>/apis</c>, <c>/version</c>), namespaces, service accounts, pods.</summary>
    Other,
}
