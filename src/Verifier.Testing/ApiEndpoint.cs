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

    /// <summary>Everything else: API discovery (<c>/api</c>, <c>/apis</c>, <c>/version</c>), get/create/delete of namespaces, service accounts, pods.</summary>
    Other,

    /// <summary><c>GET</c> of a collection (<c>/api/v1/pods</c>, <c>/api/v1/namespaces/{ns}/serviceaccounts</c>, …) without <c>watch</c>.</summary>
    List,

    /// <summary>
    /// <c>GET</c> of a collection (or one object) with <c>watch=true</c>. Besides refusing new watches, a fault here
    /// reaches the streams already open: <see cref="ApiFault.Drop"/> cuts them, <see cref="ApiFault.Stall"/> silences them.
    /// </summary>
    Watch,
}
