using System.Security.Cryptography.X509Certificates;

namespace Verifier.Cluster;

/// <summary>The resolved way to reach the API server.</summary>
/// <param name="Server">Base URL of the API server (or of <c>kubectl proxy</c>).</param>
/// <param name="Source">Where it came from, for logs: <c>options</c>, <c>kubeconfig:PATH#CONTEXT</c>, <c>in-cluster</c>.</param>
internal sealed record ClusterConnection(Uri Server, string Source)
{
    /// <summary>The CAs trusted for the API server's serving certificate. Null: the system store (https) or no TLS (http).</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>kubeconfig <c>insecure-skip-tls-verify: true</c>; honoured only with a warning at startup.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>mTLS client certificate with its private key (kubeconfig <c>client-certificate</c> + <c>client-key</c>).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>A bearer token file, re-read every <see cref="ApiServerOptions.TokenRereadInterval"/>.</summary>
    public string? TokenFile { get; init; }

    /// <summary>A static bearer token (kubeconfig <c>token</c>). Never logged.</summary>
    public string? Token { get; init; }

    /// <summary>The namespace of the context or of the pod (in-cluster <c>namespace</c> file), when known.</summary>
    public string? Namespace { get; init; }

    /// <summary>A kubeconfig user's exec credential plugin (token and/or client certificate). Never logged beyond its command.</summary>
    public ExecCredentialSettings? Exec { get; init; }

    /// <summary>kubeconfig <c>proxy-url</c>. Null: direct (environment proxies are not used).</summary>
    public Uri? Proxy { get; init; }

    /// <summary>How the requests authenticate, for logs: <c>token-file</c>, <c>token</c>, <c>client-certificate</c>, <c>exec</c>, <c>none</c>.</summary>
    public string CredentialKind =>
        TokenFile is not null ? "token-file"
        : Token is not null ? "token"
        : ClientCertificate is not null ? "client-certificate"
        : Exec is not null ? $"exec ({Exec.Command})"
        : "none";

    // The generated record ToString would print Token.
    public override string ToString() => $"{Server} ({Source}, credential {CredentialKind})";
}
