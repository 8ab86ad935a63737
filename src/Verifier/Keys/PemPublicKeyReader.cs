using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Verifier.Keys;

/// <summary>
/// Reads the public keys of a PEM file the way kube-apiserver reads <c>--service-account-key-file</c>: every block in
/// order; public keys (SPKI or PKCS#1), certificates, and private keys reduced to their public half. The
/// <c>kid</c> is kube-apiserver's <c>keyIDFromPublicKey</c>, base64url(SHA-256(DER SubjectPublicKeyInfo)), so tokens
/// signed with these keys name them.
/// </summary>
internal static class PemPublicKeyReader
{
    public static (List<VerificationKey> Keys, List<SkippedKey> Skipped) Read(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var keys = new List<VerificationKey>();
        var skipped = new List<SkippedKey>();
        var text = pem.AsSpan();
        var index = 0;
        while (PemEncoding.TryFind(text, out var fields))
        {
            index++;
            var label = text[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(text[fields.Base64Data], der, out _))
            {
                skipped.Add(new SkippedKey(string.Empty, $"PEM block {index} ({label}) is not valid base64"));
            }
            else
            {
                try
                {
                    var key = ReadBlock(label, der, out var reason);
                    if (key is not null)
                    {
                        keys.Add(key);
                    }
                    else
                    {
                        skipped.Add(new SkippedKey(string.Empty, $"PEM block {index} ({label}): {reason}"));
                    }
                }
                catch (CryptographicException ex)
                {
                    skipped.Add(new SkippedKey(string.Empty, $"PEM block {index} ({label}) is not a valid key: {ex.Message}"));
                }
            }

            text = text[fields.Location.End..];
        }

        return (keys, skipped);
    }

    public static string DeriveKeyId(byte[] subjectPublicKeyInfo) =>
        Base64Url.EncodeToString(SHA256.HashData(subjectPublicKeyInfo));

    private static VerificationKey? ReadBlock(string label, byte[] der, out string reason)
    {
        AsymmetricAlgorithm? key = label switch
        {
            "PUBLIC KEY" => ImportSubjectPublicKeyInfo(der),
            "RSA PUBLIC KEY" => ImportRsa(rsa => rsa.ImportRSAPublicKey(der, out _)),
            "CERTIFICATE" => ImportCertificate(der),
            "RSA PRIVATE KEY" => PublicHalf(ImportRsa(rsa => rsa.ImportRSAPrivateKey(der, out _))),
            "EC PRIVATE KEY" => PublicHalf(ImportEc(ec => ec.ImportECPrivateKey(der, out _))),
            "PRIVATE KEY" => PublicHalf(ImportPkcs8(der)),
            _ => null,
        };

        switch (key)
        {
            case RSA rsa:
                var kid = DeriveKeyId(rsa.ExportSubjectPublicKeyInfo());
                return JwksParser.TryAccept(kid, rsa, out var rsaKey, out reason) ? rsaKey : null;
            case ECDsa ec when VerificationKey.AlgorithmForCurveSize(ec.KeySize) != JwsAlgorithm.None:
                reason = string.Empty;
                return VerificationKey.ForECDsa(DeriveKeyId(ec.ExportSubjectPublicKeyInfo()), ec);
            case ECDsa ec:
                reason = $"EC key of {ec.KeySize} bits: unknown curve, must be 256, 384, or 521";
                ec.Dispose();
                return null;
            default:
                key?.Dispose();
                reason = "not a public key, certificate or private key block";
                return null;
        }
    }

    private static AsymmetricAlgorithm ImportSubjectPublicKeyInfo(byte[] der)
    {
        try
        {
            return ImportRsa(rsa => rsa.ImportSubjectPublicKeyInfo(der, out _));
        }
        catch (CryptographicException)
        {
            return ImportEc(ec => ec.ImportSubjectPublicKeyInfo(der, out _));
        }
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] der)
    {
        try
        {
            return ImportRsa(rsa => rsa.ImportPkcs8PrivateKey(der, out _));
        }
        catch (CryptographicException)
        {
            return ImportEc(ec => ec.ImportPkcs8PrivateKey(der, out _));
        }
    }

    private static AsymmetricAlgorithm? ImportCertificate(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return (AsymmetricAlgorithm?)certificate.GetRSAPublicKey() ?? certificate.GetECDsaPublicKey();
    }

    private static RSA ImportRsa(Action<RSA> import)
    {
        var rsa = RSA.Create();
        try
        {
            import(rsa);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static ECDsa ImportEc(Action<ECDsa> import)
    {
        var ec = ECDsa.Create();
        try
        {
            import(ec);
            return ec;
        }
        catch
        {
            ec.Dispose();
            throw;
        }
    }

    // kube-apiserver publishes "only public keys": never keep private material around in the verifier.
    private static AsymmetricAlgorithm PublicHalf(AsymmetricAlgorithm key)
    {
        using (key)
        {
            switch (key)
            {
                case RSA rsa:
                    var publicRsa = RSA.Create();
                    publicRsa.ImportParameters(rsa.ExportParameters(false));
                    return publicRsa;
                case ECDsa ec:
                    return ECDsa.Create(ec.ExportParameters(false));
                default:
                    throw new CryptographicException("Unsupported key type.");
            }
        }
    }
}
