namespace Verifier.Keys;

/// <summary>Where verification keys come from.</summary>
public enum KeySourceKind
{
    /// <summary>The API server's own <c>/.well-known/openid-configuration</c> and <c>/openid/v1/jwks</c>, with the verifier's credentials.</summary>
    ApiServer,

    /// <summary>A public issuer URL: discovery then <c>jwks_uri</c>, without credentials.</summary>
    PublicIssuer,

    /// <summary>A JWKS file or PEM public keys on disk: fully offline, reloaded when the file changes.</summary>
    StaticFile,
}
