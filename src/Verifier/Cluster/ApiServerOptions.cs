namespace Verifier.Cluster;

/// <summary>
/// How to reach the API server (for keys, TokenReview and TokenRequest). Resolution order: explicit
/// <see cref="Server"/>; else <see cref="KubeconfigPath"/>; else in-cluster when <c>KUBERNETES_SERVICE_HOST</c> is
/// set (unless <see cref="UseInCluster"/> is false). With none of them there is no API server: Local mode with a
/// public-issuer or static key source only.
/// </summary>
public sealed class ApiServerOptions
{
    /// <summary>Explicit API server URL, e.g. <c>https://10.0.0.1:443</c> or <c>http://127.0.0.1:8001</c> behind <c>kubectl proxy</c>. No default.</summary>
    public Uri? Server { get; set; }

    /// <summary>PEM file of the CA that signs the API server's serving certificate. No default (in-cluster: <c>ca.crt</c>).</summary>
    public string? CertificateAuthorityFile { get; set; }

    /// <summary>PEM text of that CA, as an alternative to the file. No default.</summary>
    public string? CertificateAuthorityData { get; set; }

    /// <summary>File holding the verifier's own bearer token, re-read every <see cref="TokenRereadInterval"/> (it rotates). No default (in-cluster: <c>token</c>).</summary>
    public string? TokenFile { get; set; }

    /// <summary>A kubeconfig file to take server, CA and credentials from. No default.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use. Default: the file's <c>current-context</c>.</summary>
    public string? KubeconfigContext { get; set; }

    /// <summary>Null (default): in-cluster when <c>KUBERNETES_SERVICE_HOST</c> is set and nothing explicit is configured.</summary>
    public bool? UseInCluster { get; set; }

    /// <summary>Where the in-cluster token, <c>ca.crt</c> and <c>namespace</c> live. Default <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</summary>
    public string InClusterDirectory { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>How often the bearer token file is re-read. Default 1 min (kubelet rotates it at 80 % of its life).</summary>
    public TimeSpan TokenRereadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Timeout of one HTTP request to the API server. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a kubeconfig user's exec credential plugin (<c>aws eks get-token</c>, <c>gke-gcloud-auth-plugin</c>,
    /// <c>kubelogin</c>) may run before it is stopped and the request fails with its standard error. Default 30 s.
    /// </summary>
    public TimeSpan ExecTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Responses larger than this are rejected. Default 1 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}
