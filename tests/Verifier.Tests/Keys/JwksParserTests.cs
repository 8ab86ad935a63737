using System.Security.Cryptography;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing.Tokens;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

public class JwksParserTests
{
    [Test]
    public void Parse_KubeApiserverJwks_ReturnsEveryKeyInOrder()
    {
        var (keys, skipped) = JwksParser.Parse(KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Ec256, KubeTokens.Ec384, KubeTokens.Ec521));

        Assert.Multiple(() =>
        {
            Assert.That(skipped, Is.Empty);
            Assert.That(keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId, KubeTokens.Ec256.KeyId, KubeTokens.Ec384.KeyId, KubeTokens.Ec521.KeyId }));
            Assert.That(keys.Select(k => k.Algorithm), Is.EqualTo(new[] { JwsAlgorithm.RS256, JwsAlgorithm.ES256, JwsAlgorithm.ES384, JwsAlgorithm.ES512 }));
        });
    }

    [Test]
    public void Parse_KeyWithoutUseAlgOrKid_IsAccepted()
    {
        var p = ((RSA)KubeTokens.Rsa.Key).ExportParameters(false);
        var json = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(p.Modulus) + "\",\"e\":\"AQAB\"}]}";

        var (keys, _) = JwksParser.Parse(json);

        Assert.That(keys, Has.Count.EqualTo(1));
        Assert.That(keys[0].KeyId, Is.Empty);
    }

    [TestCase("{\"use\":\"enc\"}", "use is 'enc'")]
    [TestCase("{\"alg\":\"RS384\"}", "RS256 only")]
    [TestCase("{\"alg\":\"HS256\"}", "RS256 only")]
    [TestCase("{\"key_ops\":[\"encrypt\"]}", "key_ops")]
    public void Parse_RsaKeyWithUnusableMetadata_IsSkippedWithReason(string overrides, string reason)
    {
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(KubeTokens.Rsa.ToJwkJson())!.AsObject();
        foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(overrides)!.AsObject())
        {
            jwk[name] = value?.DeepClone();
        }

        var (keys, skipped) = JwksParser.Parse("{\"keys\":[" + jwk.ToJsonString() + "]}");

        Assert.That(keys, Is.Empty);
        Assert.That(skipped.Single().Reason, Does.Contain(reason));
        Assert.That(skipped.Single().KeyId, Is.EqualTo(KubeTokens.Rsa.KeyId));
    }

    [Test]
    public void Parse_RsaKeyBelow2048Bits_IsSkipped()
    {
        using var small = SigningKey.CreateRsa(1024);

        var (keys, skipped) = JwksParser.Parse(KubeTokens.Jwks(small, KubeTokens.Rsa));

        Assert.That(keys.Single().KeyId, Is.EqualTo(KubeTokens.Rsa.KeyId));
        Assert.That(skipped.Single().Reason, Does.Contain("1024 bits"));
    }

    [TestCase("\"crv\":\"P-256\",\"alg\":\"ES256\"", "\"crv\":\"P-256\",\"alg\":\"ES384\"", "does not match curve")]
    [TestCase("\"crv\":\"P-256\"", "\"crv\":\"secp256k1\"", "not supported")]
    public void Parse_EcKeyWithInconsistentCurveOrAlg_IsSkipped(string original, string replacement, string reason)
    {
        var jwk = KubeTokens.Ec256.ToJwkJson().Replace(original, replacement, StringComparison.Ordinal);

        var (keys, skipped) = JwksParser.Parse("{\"keys\":[" + jwk + "]}");

        Assert.That(keys, Is.Empty);
        Assert.That(skipped.Single().Reason, Does.Contain(reason));
    }

    [Test]
    public void Parse_EcPointNotOnCurve_IsSkipped()
    {
        var jwk = System.Text.Json.Nodes.JsonNode.Parse(KubeTokens.Ec256.ToJwkJson())!.AsObject();
        jwk["y"] = jwk["x"]!.GetValue<string>();

        var (keys, skipped) = JwksParser.Parse("{\"keys\":[" + jwk.ToJsonString() + "]}");

        Assert.That(keys, Is.Empty);
        Assert.That(skipped, Has.Count.EqualTo(1));
    }

    [TestCase("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", "key type 'oct'")]
    [TestCase("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", "without n or e")]
    [TestCase("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", "not 32 bytes")]
    public void Parse_UnusableKey_IsSkippedNotThrown(string jwk, string reason)
    {
        var (keys, skipped) = JwksParser.Parse("{\"keys\":[" + jwk + "]}");

        Assert.That(keys, Is.Empty);
        Assert.That(skipped.Single().Reason, Does.Contain(reason));
    }

    [Test]
    public void Parse_EmptySet_ReturnsNoKeys()
    {
        Assert.That(JwksParser.Parse("{\"keys\":[]}").Keys, Is.Empty);
    }

    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("{\"keys\":5}")]
    public void Parse_Garbage_ThrowsKeyFetchException(string json)
    {
        Assert.That(() => JwksParser.Parse(json), Throws.InstanceOf<KeyFetchException>());
    }
}
