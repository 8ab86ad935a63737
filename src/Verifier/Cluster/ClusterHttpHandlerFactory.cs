using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Verifier.Cluster;

/// <summary>Builds the primary handler for one <see cref="ClusterConnection"/>: TLS trusting only the cluster CA, mTLS, no redirects.</summary>
internal static class ClusterHttpHandlerFactory
{
    /// <summary>Connections are recycled this often so a moved API server endpoint (DNS, load balancer) is picked up.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    public static SocketsHttpHandler Create(ClusterConnection connection, ApiServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = PooledConnectionLifetime,
            ConnectTimeout = options.RequestTimeout,

            // A bearer token must never follow a redirect to another host.
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,

            // Only an explicit kubeconfig proxy-url; HTTPS_PROXY from the environment would be a surprise route for our token.
            UseProxy = connection.Proxy is not null,
            Proxy = connection.Proxy is { } proxy ? new WebProxy(proxy) : null,
        };

        if (connection.Server.Scheme != Uri.UriSchemeHttps)
        {
            return handler;
        }

        var ssl = new SslClientAuthenticationOptions
        {
            // Cluster CAs publish neither CRLs nor OCSP.
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (connection.InsecureSkipTlsVerify)
        {
            // The kubeconfig asked for it; ClusterConnectionProvider logged a warning (event 1401) when it resolved the connection.
            ssl.RemoteCertificateValidationCallback = AcceptUnverifiedCertificateAsConfigured;
        }
        else if (connection.CertificateAuthorities is { } authorities)
        {
            // Trust exactly the cluster CA, not the system store; host-name checks stay on.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(authorities);
            ssl.CertificateChainPolicy = policy;
        }

        if (connection.ClientCertificate is { } certificate)
        {
            ssl.ClientCertificates = new X509CertificateCollection { certificate };
        }

        handler.SslOptions = ssl;
        return handler;
    }

    /// <summary>
    /// For a user with an exec credential plugin: a handler per client certificate the plugin hands out (none for a
    /// token), each built as <see cref="Create"/> builds one.
    /// </summary>
    public static ExecClientCertificateHandler CreateForExec(ClusterConnection connection, ApiServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        return new ExecClientCertificateHandler(certificate => Create(connection with { ClientCertificate = certificate }, options));
    }

    private static bool AcceptUnverifiedCertificateAsConfigured(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null;
}
