using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing.Tokens;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

public class PemPublicKeyReaderTests
{
    [Test]
    public void Read_PublicKeysOfBothKinds_DeriveKubeKids()
    {
        var pem = KubeTokens.Rsa.ToPublicPem() + "\n" + KubeTokens.Ec256.ToPublicPem();

        var (keys, skipped) = PemPublicKeyReader.Read(pem);

        Assert.Multiple(() =>
        {
            Assert.That(skipped, Is.Empty);
            Assert.That(keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId, KubeTokens.Ec256.KeyId }), "kid = base64url(SHA-256(SPKI)), as kube-apiserver derives it");
            Assert.That(keys.Select(k => k.Algorithm), Is.EqualTo(new[] { JwsAlgorithm.RS256, JwsAlgorithm.ES256 }));
        });
    }

    [Test]
    public void Read_PrivateKeysAndPkcs1AndCertificate_AreReducedToPublicKeys()
    {
        var rsa = (RSA)KubeTokens.Rsa.Key;
        var ec = (ECDsa)KubeTokens.Ec384.Key;
        var request = new CertificateRequest("CN=test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pem = string.Join('\n', rsa.ExportRSAPrivateKeyPem(), ec.ExportECPrivateKeyPem(), rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportRSAPublicKeyPem(), certificate.ExportCertificatePem());

        var (keys, skipped) = PemPublicKeyReader.Read(pem);

        Assert.That(skipped, Is.Empty);
        Assert.That(keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId, KubeTokens.Ec384.KeyId, KubeTokens.Rsa.KeyId, KubeTokens.Rsa.KeyId, KubeTokens.Rsa.KeyId }));
    }

    [Test]
    public void Read_SmallRsaKeyAndUnknownBlock_AreSkipped()
    {
        using var small = SigningKey.CreateRsa(1024);
        var pem = small.ToPublicPem() + "\n-----BEGIN SOMETHING-----\nAAAA\n-----END SOMETHING-----\n" + KubeTokens.Rsa.ToPublicPem();

        var (keys, skipped) = PemPublicKeyReader.Read(pem);

        Assert.That(keys.Single().KeyId, Is.EqualTo(KubeTokens.Rsa.KeyId));
        Assert.That(skipped, Has.Count.EqualTo(2));
    }

    [Test]
    public void Read_KeyFromPem_VerifiesTokensOfTheSigningKey()
    {
        var (keys, _) = PemPublicKeyReader.Read(KubeTokens.Rsa.ToPublicPem());
        var data = "payload"u8.ToArray();

        Assert.That(keys[0].Verify(data, KubeTokens.Rsa.Sign(data)), Is.True);
    }
}
