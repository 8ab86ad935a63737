using System.Security.Cryptography.X509Certificates;

namespace Bench.E2e;

/// <summary>
/// The HTTP handler a team writes to reach the API server from outside the library: TLS that trusts only the cluster
/// CA (custom root trust, never "accept any") and the pod's own bearer token on every request.
/// </summary>
internal static class ClusterTrust
{
    public static SocketsHttpHandler CreateHandler(string caFile)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        return new SocketsHttpHandler
        {
            SslOptions = { CertificateChainPolicy = policy },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
    }
}
