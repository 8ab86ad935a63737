namespace Verifier.Keys;

/// <summary>
/// The named <see cref="HttpClient"/> for a public OIDC issuer (and for a <c>jwks_uri</c> on another host than the
/// API server): no credentials, system CA trust, the key fetch timeout and a User-Agent.
/// </summary>
internal static class PublicIssuerHttpClient
{
    public const string Name = "Verifier.PublicIssuer";
}
