using System.Globalization;

namespace Verifier.Cluster;

/// <summary>
/// Turns <see cref="ApiServerOptions"/> into a <see cref="ClusterConnection"/>, in the documented order: explicit
/// <see cref="ApiServerOptions.Server"/>, else <see cref="ApiServerOptions.KubeconfigPath"/>, else in-cluster.
/// Pure apart from file reads: logging the outcome is the provider's job.
/// </summary>
internal static class ClusterConnectionResolver
{
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";
    public const string ServicePortVariable = "KUBERNETES_SERVICE_PORT";

    /// <returns>Null when nothing points at an API server.</returns>
    /// <exception cref="ClusterConfigurationException">When the settings point at an API server but cannot work.</exception>
    public static ClusterConnection? Resolve(ApiServerOptions options, IEnvironmentVariables environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);

        if (options.Server is not null)
        {
            return FromOptions(options);
        }

        if (!string.IsNullOrEmpty(options.KubeconfigPath))
        {
            var connection = KubeconfigReader.Read(options.KubeconfigPath, options.KubeconfigContext);

            // An explicit token file overrides the kubeconfig user's credential (e.g. a kubeconfig from `kind get kubeconfig`
            // with a TokenRequest token for the verifier's own service account).
            return string.IsNullOrEmpty(options.TokenFile)
                ? connection
                : connection with { Token = null, ClientCertificate = null, Exec = null, TokenFile = RequireFile(options.TokenFile, "ApiServer:TokenFile") };
        }

        var host = environment.Get(ServiceHostVariable);
        var port = environment.Get(ServicePortVariable);
        var inCluster = options.UseInCluster ?? !string.IsNullOrEmpty(host);
        if (!inCluster)
        {
            return null;
        }

        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new ClusterConfigurationException(
                $"ApiServer:UseInCluster is true but {ServiceHostVariable} and {ServicePortVariable} are not both set: this process does not run in a pod. " +
                "Set ApiServer:Server or ApiServer:KubeconfigPath instead.");
        }

        return InCluster(options, host, port);
    }

    private static ClusterConnection FromOptions(ApiServerOptions options)
    {
        var server = options.Server!;
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            throw new ClusterConfigurationException($"ApiServer:Server '{server}' must be an absolute http or https URL.");
        }

        return new ClusterConnection(server, "options")
        {
            CertificateAuthorities = LoadAuthorities(options),
            TokenFile = string.IsNullOrEmpty(options.TokenFile) ? null : RequireFile(options.TokenFile, "ApiServer:TokenFile"),
        };
    }

    private static ClusterConnection InCluster(ApiServerOptions options, string host, string port)
    {
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new ClusterConfigurationException($"{ServicePortVariable} '{port}' is not a TCP port.");
        }

        // client-go: net.JoinHostPort, so an IPv6 service address is bracketed.
        var authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        if (!Uri.TryCreate($"https://{authority}:{portNumber.ToString(CultureInfo.InvariantCulture)}/", UriKind.Absolute, out var server))
        {
            throw new ClusterConfigurationException($"{ServiceHostVariable} '{host}' is not a valid host.");
        }

        var directory = options.InClusterDirectory;
        var tokenFile = Path.Combine(directory, "token");
        if (!File.Exists(tokenFile))
        {
            // client-go's InClusterConfig fails the same way: without the token there is no identity to call with.
            throw new ClusterConfigurationException(
                $"In-cluster token '{tokenFile}' does not exist: the pod's service-account token is not mounted " +
                "(automountServiceAccountToken: false?). Mount it or set ApiServer:TokenFile.");
        }

        var caFile = Path.Combine(directory, "ca.crt");
        var namespaceFile = Path.Combine(directory, "namespace");
        var explicitAuthorities = LoadAuthorities(options);
        return new ClusterConnection(server, "in-cluster")
        {
            CertificateAuthorities = explicitAuthorities
                ?? (File.Exists(caFile) ? ClusterCertificates.LoadAuthorities(File.ReadAllText(caFile), $"'{caFile}'") : null),
            TokenFile = string.IsNullOrEmpty(options.TokenFile) ? tokenFile : RequireFile(options.TokenFile, "ApiServer:TokenFile"),
            Namespace = File.Exists(namespaceFile) && File.ReadAllText(namespaceFile).Trim() is { Length: > 0 } ns ? ns : null,
        };
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection? LoadAuthorities(ApiServerOptions options)
    {
        if (!string.IsNullOrEmpty(options.CertificateAuthorityData))
        {
            return ClusterCertificates.LoadAuthorities(options.CertificateAuthorityData, "ApiServer:CertificateAuthorityData");
        }

        if (!string.IsNullOrEmpty(options.CertificateAuthorityFile))
        {
            var path = RequireFile(options.CertificateAuthorityFile, "ApiServer:CertificateAuthorityFile");
            return ClusterCertificates.LoadAuthorities(File.ReadAllText(path), $"ApiServer:CertificateAuthorityFile '{path}'");
        }

        return null;
    }

    private static string RequireFile(string path, string setting) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new ClusterConfigurationException($"{setting} '{path}' does not exist.");
}
