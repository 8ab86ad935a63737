using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Verifier.Cluster;

/// <summary>PEM loading for the API server's CA and for mTLS client certificates, with configuration errors that name the source.</summary>
internal static class ClusterCertificates
{
    /// <exception cref="ClusterConfigurationException">When the PEM holds no certificate or cannot be parsed.</exception>
    public static X509Certificate2Collection LoadAuthorities(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new ClusterConfigurationException($"The certificate authority {what} is not valid PEM: {ex.Message}", ex);
        }

        return collection.Count > 0
            ? collection
            : throw new ClusterConfigurationException($"The certificate authority {what} holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
    }

    /// <exception cref="ClusterConfigurationException">When the certificate or key cannot be parsed or do not match.</exception>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string what)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            if (!OperatingSystem.IsWindows())
            {
                return certificate;
            }

            // SChannel cannot present an ephemeral key: round-trip through PKCS#12 so the key is usable for TLS.
            using (certificate)
            {
                return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (CryptographicException ex)
        {
            throw new ClusterConfigurationException($"The client certificate or key of {what} cannot be loaded: {ex.Message}", ex);
        }
    }
}
