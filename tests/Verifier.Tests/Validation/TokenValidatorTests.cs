using NUnit.Framework;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Verifier.Keys;
using Verifier.Testing.Tokens;
using Verifier.Validation;

namespace Verifier.Tests.Validation;

public class TokenValidatorTests
{
    private static readonly KeySetSnapshot Keys = KubeTokens.Snapshot(KubeTokens.Rsa, KubeTokens.Ec256, KubeTokens.Ec384, KubeTokens.Ec521);

    private static ValidationOutcome Validate(string token, ValidationOptions? options = null, KeySetSnapshot? keys = null, DateTimeOffset? now = null, string[]? audiences = null)
    {
        var validator = new TokenValidator(audiences ?? [KubeTokens.Audience], options ?? new ValidationOptions());
        var bytes = Encoding.ASCII.GetBytes(token);
        var scratch = new byte[TokenValidator.ScratchLength(bytes.Length)];
        return validator.Validate(bytes, scratch, keys ?? Keys, now ?? KubeTokens.Now);
    }

    [Test]
    public void Validate_KubernetesPodBoundToken_ReturnsIdentityAsTokenReviewWould()
    {
        var claims = KubeTokens.BoundClaims(audiences: ["https://kubernetes.default.svc.cluster.local", KubeTokens.Audience]);
        ((JsonObject)claims["kubernetes.io"]!)["warnafter"] = KubeTokens.NowSeconds + 3607;

        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims));

        Assert.That(outcome.Result.Succeeded, Is.True, outcome.Result.ToString());
        var identity = outcome.Result.Identity!;
        Assert.Multiple(() =>
        {
            Assert.That(identity.Username, Is.EqualTo("system:serviceaccount:default:default"));
            Assert.That(identity.Uid, Is.EqualTo(KubeTokens.ServiceAccountUid));
            Assert.That(identity.Groups, Is.EqualTo(new[] { "system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated" }));
            Assert.That(identity.Extra["authentication.kubernetes.io/pod-name"], Is.EqualTo(new[] { "jwt-test" }));
            Assert.That(identity.Extra["authentication.kubernetes.io/pod-uid"], Is.EqualTo(new[] { KubeTokens.PodUid }));
            Assert.That(identity.Extra["authentication.kubernetes.io/node-name"], Is.EqualTo(new[] { "kind-control-plane" }));
            Assert.That(identity.Extra["authentication.kubernetes.io/node-uid"], Is.EqualTo(new[] { KubeTokens.NodeUid }));
            Assert.That(identity.Extra["authentication.kubernetes.io/credential-id"], Is.EqualTo(new[] { "JTI=" + KubeTokens.Jti }));
            Assert.That(identity.Audiences, Is.EqualTo(new[] { KubeTokens.Audience }), "status.audiences is the intersection");
            Assert.That(identity.Issuer, Is.EqualTo(KubeTokens.Issuer));
            Assert.That(identity.KeyId, Is.EqualTo(KubeTokens.Rsa.KeyId));
            Assert.That(identity.IssuedAt, Is.EqualTo(KubeTokens.Now));
            Assert.That(identity.NotBefore, Is.EqualTo(KubeTokens.Now));
            Assert.That(identity.ExpiresAt, Is.EqualTo(KubeTokens.Now.AddSeconds(3600)));
            Assert.That(identity.WarnAfter, Is.EqualTo(KubeTokens.Now.AddSeconds(3607)));
            Assert.That(identity.TokenId, Is.EqualTo(KubeTokens.Jti));
            Assert.That(identity.IsLegacy, Is.False);
            Assert.That(identity.SecretName, Is.Null);
            Assert.That(outcome.Key, Is.SameAs(Keys.Keys[0]));
            Assert.That(outcome.ValidUntilUtcTicks, Is.EqualTo(KubeTokens.Now.AddSeconds(3600 + 60).UtcTicks));
            Assert.That(outcome.Result.Mode, Is.EqualTo(VerificationMode.Local));
        });
    }

    [TestCase(256)]
    [TestCase(384)]
    [TestCase(521)]
    public void Validate_EcdsaToken_Succeeds(int curveBits)
    {
        var key = curveBits switch { 256 => KubeTokens.Ec256, 384 => KubeTokens.Ec384, _ => KubeTokens.Ec521 };

        var outcome = Validate(KubeTokens.Token(key));

        Assert.That(outcome.Result.Succeeded, Is.True, outcome.Result.ToString());
        Assert.That(outcome.Result.Identity!.KeyId, Is.EqualTo(key.KeyId));
    }

    [TestCase(256)]
    [TestCase(521)]
    public void Verify_ManyEcdsaSignatures_AllVerify(int curveBits)
    {
        // R and S with leading zero bytes or a high bit set need DER padding or trimming; 300 signatures hit both.
        using var signer = SigningKey.CreateEc(curveBits);
        var key = KubeTokens.PublicKey(signer);
        var failures = 0;
        for (var i = 0; i < 300; i++)
        {
            var data = Encoding.ASCII.GetBytes("message-" + i);
            if (!key.Verify(data, signer.Sign(data)))
            {
                failures++;
            }
        }

        Assert.That(failures, Is.Zero);
    }

    [Test]
    public void Validate_AudienceAsString_Succeeds()
    {
        var claims = KubeTokens.BoundClaims();
        claims["aud"] = KubeTokens.Audience;

        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims));

        Assert.That(outcome.Result.Identity?.Audiences, Is.EqualTo(new[] { KubeTokens.Audience }));
    }

    [Test]
    public void Validate_SeveralMatchingAudiences_ReportsIntersectionInConfiguredOrder()
    {
        // kube's Audiences.Intersect walks the requested audiences (TokenReview's status.audiences order).
        var claims = KubeTokens.BoundClaims(audiences: ["b", "x", "a"]);

        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), audiences: ["a", "b", "c"]);

        Assert.That(outcome.Result.Identity?.Audiences, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Validate_EmptyKid_TriesEveryKeyInOrder()
    {
        var keys = KubeTokens.Snapshot(KubeTokens.Rsa2, KubeTokens.Rsa);
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"\"}");

        var outcome = Validate(token, keys: keys);

        Assert.That(outcome.Result.Succeeded, Is.True, outcome.Result.ToString());
        Assert.That(outcome.Key, Is.SameAs(keys.Keys[1]));
    }

    [Test]
    public void Validate_NoKidWithTypJwtHeader_Succeeds()
    {
        // jwt-go legacy header shape.
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");

        Assert.That(Validate(token).Result.Succeeded, Is.True);
    }

    [Test]
    public void Validate_EksShapedHexKidAndTypHeader_Succeeds()
    {
        const string hexKid = "e3b1d185e0d794058a6346c32b2575ac0efb622e";
        var keys = new KeySetSnapshot([KubeTokens.PublicKey(KubeTokens.Rsa, hexKid)], [KubeTokens.Issuer], KubeTokens.Now, "test");
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"" + hexKid + "\",\"typ\":\"JWT\"}");

        var outcome = Validate(token, keys: keys);

        Assert.That(outcome.Result.Identity?.KeyId, Is.EqualTo(hexKid));
    }

    [Test]
    public void Validate_TwoKeysWithSameKid_SecondOneVerifies()
    {
        var keys = new KeySetSnapshot([KubeTokens.PublicKey(KubeTokens.Rsa2, "shared"), KubeTokens.PublicKey(KubeTokens.Rsa, "shared")], [KubeTokens.Issuer], KubeTokens.Now, "test");
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"shared\"}");

        var outcome = Validate(token, keys: keys);

        Assert.That(outcome.Key, Is.SameAs(keys.Keys[1]));
    }

    [Test]
    public void Validate_EscapedKidAndSubject_Succeeds()
    {
        var payload = KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"sub\":\"system:serviceaccount", "\"sub\":\"system\\u003aserviceaccount", StringComparison.Ordinal);
        var keys = new KeySetSnapshot([KubeTokens.PublicKey(KubeTokens.Rsa, "a/b")], [KubeTokens.Issuer], KubeTokens.Now, "test");
        var token = KubeTokens.Sign(KubeTokens.Rsa, payload, "{\"alg\":\"RS256\",\"kid\":\"a\\/b\"}");

        var outcome = Validate(token, keys: keys);

        Assert.That(outcome.Result.Succeeded, Is.True, outcome.Result.ToString());
    }

    [Test]
    public void Validate_FractionalAndNullClaims_AreReadLikeGoJose()
    {
        var claims = KubeTokens.BoundClaims();
        claims["exp"] = KubeTokens.NowSeconds + 100.9;
        claims["nbf"] = null;
        claims["jti"] = null;

        var identity = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims)).Result.Identity;

        Assert.Multiple(() =>
        {
            Assert.That(identity?.ExpiresAt, Is.EqualTo(KubeTokens.Now.AddSeconds(100)));
            Assert.That(identity?.NotBefore, Is.Null);
            Assert.That(identity?.TokenId, Is.Null);
        });
    }

    [Test]
    public void Validate_SecretBoundToken_ReportsSecretAndNoPodExtra()
    {
        var claims = KubeTokens.BoundClaims(pod: false);
        ((JsonObject)claims["kubernetes.io"]!)["secret"] = new JsonObject { ["name"] = "my-secret", ["uid"] = "s-uid" };

        var identity = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims)).Result.Identity!;

        Assert.Multiple(() =>
        {
            Assert.That(identity.SecretName, Is.EqualTo("my-secret"));
            Assert.That(identity.SecretUid, Is.EqualTo("s-uid"));
            Assert.That(identity.Extra.ContainsKey("authentication.kubernetes.io/pod-name"), Is.False);
        });
    }

    // exp relative to now: expired iff now - 60 s > exp (kube-apiserver / go-jose DefaultLeeway).
    [TestCase(-60, VerificationFailureReason.None)]
    [TestCase(-61, VerificationFailureReason.Expired)]
    [TestCase(0, VerificationFailureReason.None)]
    public void Validate_ExpiryAtLeewayEdge_FollowsKubeApiserver(int expiresInSeconds, VerificationFailureReason expected)
    {
        var claims = KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds - 3600, lifetimeSeconds: 3600 + expiresInSeconds);

        Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, claims)).Result.Reason, Is.EqualTo(expected));
    }

    [TestCase(60, VerificationFailureReason.None)]
    [TestCase(61, VerificationFailureReason.NotYetValid)]
    public void Validate_NotBeforeAtLeewayEdge_FollowsKubeApiserver(int notBeforeInSeconds, VerificationFailureReason expected)
    {
        var claims = KubeTokens.BoundClaims();
        claims["nbf"] = KubeTokens.NowSeconds + notBeforeInSeconds;
        claims["iat"] = KubeTokens.NowSeconds;

        Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, claims)).Result.Reason, Is.EqualTo(expected));
    }

    [TestCase(60, VerificationFailureReason.None)]
    [TestCase(61, VerificationFailureReason.IssuedInFuture)]
    public void Validate_IssuedAtAtLeewayEdge_FollowsKubeApiserver(int issuedInSeconds, VerificationFailureReason expected)
    {
        var claims = KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds + issuedInSeconds);
        claims.Remove("nbf");

        Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, claims)).Result.Reason, Is.EqualTo(expected));
    }

    [TestCase(0, 0, VerificationFailureReason.None)]
    [TestCase(0, -1, VerificationFailureReason.Expired)]
    [TestCase(300, -300, VerificationFailureReason.None)]
    [TestCase(300, -301, VerificationFailureReason.Expired)]
    public void Validate_ConfiguredExpirationLeeway_IsApplied(int leewaySeconds, int expiresInSeconds, VerificationFailureReason expected)
    {
        var options = new ValidationOptions { ExpirationLeeway = TimeSpan.FromSeconds(leewaySeconds) };
        var claims = KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds - 3600, lifetimeSeconds: 3600 + expiresInSeconds);

        Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), options).Result.Reason, Is.EqualTo(expected));
    }

    [Test]
    public void Validate_ConfiguredNotBeforeAndIssuedAtLeeways_AreIndependent()
    {
        var options = new ValidationOptions { NotBeforeLeeway = TimeSpan.Zero, IssuedAtLeeway = TimeSpan.FromSeconds(120) };
        var claims = KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds + 100);
        claims["nbf"] = KubeTokens.NowSeconds;
        var early = KubeTokens.BoundClaims();
        early["nbf"] = KubeTokens.NowSeconds + 1;

        Assert.Multiple(() =>
        {
            Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), options).Result.Reason, Is.EqualTo(VerificationFailureReason.None));
            Assert.That(Validate(KubeTokens.Sign(KubeTokens.Rsa, early), options).Result.Reason, Is.EqualTo(VerificationFailureReason.NotYetValid));
        });
    }

    [Test]
    public void Validate_LegacyTokenByDefault_IsRejectedWithItsOwnReason()
    {
        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.LegacyClaims(), "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"));

        Assert.That(outcome.Result.Reason, Is.EqualTo(VerificationFailureReason.LegacyTokenRejected));
    }

    [Test]
    public void Validate_LegacyTokenWhenAccepted_ReturnsLegacyIdentity()
    {
        var options = LegacyOptions();

        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.LegacyClaims(), "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"), options);

        var identity = outcome.Result.Identity;
        Assert.That(identity, Is.Not.Null, outcome.Result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(identity!.IsLegacy, Is.True);
            Assert.That(identity.Username, Is.EqualTo("system:serviceaccount:default:vault-auth"));
            Assert.That(identity.SecretName, Is.EqualTo("vault-auth-token-t5pcn"));
            Assert.That(identity.Uid, Is.EqualTo(KubeTokens.ServiceAccountUid));
            Assert.That(identity.Issuer, Is.EqualTo("kubernetes/serviceaccount"));
            Assert.That(identity.ExpiresAt, Is.Null);
            Assert.That(identity.Audiences, Is.EqualTo(new[] { KubeTokens.Audience }), "the API audiences kube substitutes, ∩ ours");
            Assert.That(outcome.ValidUntilUtcTicks, Is.EqualTo(long.MaxValue));
        });
    }

    [TestCase("kubernetes.io/serviceaccount/secret.name", "secretName claim is missing")]
    [TestCase("kubernetes.io/serviceaccount/service-account.uid", "serviceAccountUID claim is missing")]
    [TestCase("kubernetes.io/serviceaccount/namespace", "namespace claim is missing")]
    [TestCase("sub", "sub claim is missing")]
    public void Validate_AcceptedLegacyTokenMissingClaim_IsMalformedWithKubeMessage(string claim, string message)
    {
        var claims = KubeTokens.LegacyClaims();
        claims.Remove(claim);

        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), LegacyOptions()).Result;

        Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.Malformed));
        Assert.That(result.Message, Is.EqualTo(message));
    }

    [Test]
    public void Validate_AcceptedLegacyTokenWithWrongSub_IsMalformed()
    {
        var claims = KubeTokens.LegacyClaims();
        claims["sub"] = "system:serviceaccount:default:someone-else";

        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), LegacyOptions()).Result;

        Assert.That(result.Message, Is.EqualTo("sub claim is invalid"));
    }

    [TestCase("padded")]
    [TestCase("padded-signature")]
    [TestCase("two-parts")]
    [TestCase("four-parts")]
    [TestCase("starts-with-brace")]
    [TestCase("whitespace")]
    [TestCase("header-not-json")]
    [TestCase("header-not-base64")]
    [TestCase("header-no-alg")]
    [TestCase("header-kid-number")]
    [TestCase("header-duplicate-alg")]
    [TestCase("payload-not-json")]
    [TestCase("payload-array")]
    [TestCase("payload-trailing-garbage")]
    [TestCase("payload-deeply-nested")]
    [TestCase("signature-not-base64")]
    [TestCase("exp-string")]
    [TestCase("exp-huge")]
    [TestCase("aud-number")]
    [TestCase("aud-array-of-numbers")]
    [TestCase("iss-number")]
    [TestCase("kubernetes-string")]
    [TestCase("serviceaccount-name-number")]
    [TestCase("duplicate-exp")]
    [TestCase("no-iss")]
    [TestCase("no-exp")]
    [TestCase("no-kubernetes-claim")]
    [TestCase("no-namespace")]
    [TestCase("no-serviceaccount-uid")]
    [TestCase("no-sub")]
    [TestCase("sub-mismatch")]
    public void Validate_MalformedToken_ReturnsMalformed(string shape) => AssertReason(shape, VerificationFailureReason.Malformed);

    [TestCase("alg-none")]
    [TestCase("alg-NONE")]
    [TestCase("hs256-with-rsa-modulus")]
    [TestCase("rs384")]
    [TestCase("ps256")]
    [TestCase("alg-number")]
    [TestCase("jwk-header")]
    [TestCase("jku-header")]
    [TestCase("x5u-header")]
    [TestCase("x5c-header")]
    [TestCase("crit-header")]
    public void Validate_UnsupportedAlgorithmOrEmbeddedKey_ReturnsUnsupportedAlgorithm(string shape) => AssertReason(shape, VerificationFailureReason.UnsupportedAlgorithm);

    [TestCase("tampered-payload", VerificationFailureReason.BadSignature)]
    [TestCase("other-key-known-kid", VerificationFailureReason.BadSignature)]
    [TestCase("es256-alg-with-rsa-kid", VerificationFailureReason.BadSignature)]
    [TestCase("empty-signature", VerificationFailureReason.BadSignature)]
    [TestCase("truncated-signature", VerificationFailureReason.BadSignature)]
    [TestCase("unknown-kid", VerificationFailureReason.UnknownKey)]
    [TestCase("expired", VerificationFailureReason.Expired)]
    [TestCase("not-yet-valid", VerificationFailureReason.NotYetValid)]
    [TestCase("issued-in-future", VerificationFailureReason.IssuedInFuture)]
    [TestCase("wrong-issuer", VerificationFailureReason.WrongIssuer)]
    [TestCase("wrong-audience", VerificationFailureReason.WrongAudience)]
    [TestCase("empty-audience", VerificationFailureReason.WrongAudience)]
    [TestCase("no-audience", VerificationFailureReason.WrongAudience)]
    [TestCase("legacy", VerificationFailureReason.LegacyTokenRejected)]
    public void Validate_InvalidToken_ReturnsReason(string shape, VerificationFailureReason expected) => AssertReason(shape, expected);

    [Test]
    public void Validate_UnknownKid_ReportsKidForRefresh()
    {
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"not-in-the-set\"}");

        var outcome = Validate(token);

        Assert.That(outcome.UnknownKeyId, Is.EqualTo("not-in-the-set"));
    }

    [Test]
    public void Validate_BadSignatureUnderKnownKid_DoesNotAskForRefresh()
    {
        Assert.That(Validate(Hostile("other-key-known-kid")).UnknownKeyId, Is.Null);
    }

    [Test]
    public void Validate_RandomMutationsOfAValidToken_NeverThrowAndNeverSucceedOnChangedClaims()
    {
        var token = KubeTokens.Token();
        var signatureStart = token.LastIndexOf('.');
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.={} \"\\\u00e9";
        var random = new Random(1234);
        var successesInSignedPart = 0;
        for (var i = 0; i < 2000; i++)
        {
            var chars = token.ToCharArray();
            var position = random.Next(signatureStart);
            chars[position] = alphabet[random.Next(alphabet.Length)];
            var mutated = new string(chars);
            if (mutated == token || !Ascii.IsValid(mutated))
            {
                continue;
            }

            // A last character that differs only in unused bits decodes to the same bytes, and go-jose verifies the
            // re-encoded text: that token is the same token, accepted by kube too.
            if (Validate(mutated).Result.Succeeded && !SameDecodedParts(token, mutated))
            {
                successesInSignedPart++;
            }
        }

        Assert.That(successesInSignedPart, Is.Zero);
    }

    /// <summary>Legacy tokens accepted, with our audience among the API audiences kube substitutes for their missing aud.</summary>
    internal static ValidationOptions LegacyOptions() => new() { AcceptLegacyTokens = true, ApiAudiences = [KubeTokens.Audience] };

    private static void AssertReason(string shape, VerificationFailureReason expected)
    {
        var outcome = Validate(Hostile(shape));
        Assert.That(outcome.Result.Reason, Is.EqualTo(expected), outcome.Result.Message);
        Assert.That(outcome.Result.Succeeded, Is.False);
    }

    /// <summary>Tokens of every bad shape the issue lists, built from a valid kube-shaped token.</summary>
    internal static string Hostile(string shape)
    {
        var rsa = KubeTokens.Rsa;
        var header = JwtWriter.DefaultHeaderJson(rsa);
        var valid = KubeTokens.Token(rsa);
        var parts = valid.Split('.');
        JsonObject Claims() => KubeTokens.BoundClaims();
        string With(Action<JsonObject> change)
        {
            var claims = Claims();
            change(claims);
            return KubeTokens.Sign(rsa, claims);
        }

        string RawPayload(string json) => KubeTokens.Sign(rsa, json);
        string Header(string headerJson) => KubeTokens.Sign(rsa, Claims(), headerJson);
        string Padded(string part) => part.Length % 4 == 0 ? part + "====" : part + new string('=', 4 - (part.Length % 4));

        return shape switch
        {
            "padded" => parts[0] + "." + Padded(parts[1]) + "." + parts[2],
            "padded-signature" => parts[0] + "." + parts[1] + "." + Padded(parts[2]),
            "two-parts" => parts[0] + "." + parts[1],
            "four-parts" => valid + ".AAAA",
            "starts-with-brace" => KubeTokens.Json(Claims()),
            "whitespace" => parts[0] + ". " + parts[1] + "." + parts[2],
            "header-not-json" => JwtWriter.Encode("not json") + "." + parts[1] + "." + parts[2],
            "header-not-base64" => "A" + "." + parts[1] + "." + parts[2],
            "header-no-alg" => Header("{\"kid\":\"" + rsa.KeyId + "\"}"),
            "header-kid-number" => Header("{\"alg\":\"RS256\",\"kid\":5}"),
            "header-duplicate-alg" => Header("{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"" + rsa.KeyId + "\"}"),
            "payload-not-json" => RawPayload("not json"),
            "payload-array" => RawPayload("[1,2,3]"),
            "payload-trailing-garbage" => RawPayload(KubeTokens.Json(Claims()) + " x"),
            "payload-deeply-nested" => RawPayload(KubeTokens.Json(Claims()).TrimEnd('}') + ",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}"),
            "signature-not-base64" => parts[0] + "." + parts[1] + ".A",
            "exp-string" => With(c => c["exp"] = "1797684177"),
            "exp-huge" => With(c => c["exp"] = 1e30),
            "aud-number" => With(c => c["aud"] = 5),
            "aud-array-of-numbers" => With(c => c["aud"] = new JsonArray(5, 6)),
            "iss-number" => With(c => c["iss"] = 5),
            "kubernetes-string" => With(c => c["kubernetes.io"] = "default"),
            "serviceaccount-name-number" => With(c => ((JsonObject)c["kubernetes.io"]!)["serviceaccount"] = new JsonObject { ["name"] = 5, ["uid"] = "u" }),
            "duplicate-exp" => RawPayload(KubeTokens.Json(Claims()).TrimEnd('}') + ",\"exp\":9999999999}"),
            "no-iss" => With(c => c.Remove("iss")),
            "no-exp" => With(c => c.Remove("exp")),
            "no-kubernetes-claim" => With(c => c.Remove("kubernetes.io")),
            "no-namespace" => With(c => ((JsonObject)c["kubernetes.io"]!).Remove("namespace")),
            "no-serviceaccount-uid" => With(c => ((JsonObject)((JsonObject)c["kubernetes.io"]!)["serviceaccount"]!).Remove("uid")),
            "no-sub" => With(c => c.Remove("sub")),
            "sub-mismatch" => With(c => c["sub"] = "system:serviceaccount:kube-system:default"),

            "alg-none" => JwtWriter.Encode("{\"alg\":\"none\"}") + "." + parts[1] + ".",
            "alg-NONE" => JwtWriter.Encode("{\"alg\":\"NONE\",\"kid\":\"" + rsa.KeyId + "\"}") + "." + parts[1] + ".",
            "hs256-with-rsa-modulus" => HmacSignedWithModulus(rsa),
            "rs384" => Header("{\"alg\":\"RS384\",\"kid\":\"" + rsa.KeyId + "\"}"),
            "ps256" => Header("{\"alg\":\"PS256\",\"kid\":\"" + rsa.KeyId + "\"}"),
            "alg-number" => Header("{\"alg\":256,\"kid\":\"" + rsa.KeyId + "\"}"),
            "jwk-header" => KubeTokens.Sign(KubeTokens.Rsa2, Claims(), "{\"alg\":\"RS256\",\"jwk\":" + KubeTokens.Rsa2.ToJwkJson() + "}"),
            "jku-header" => Header("{\"alg\":\"RS256\",\"jku\":\"https://attacker.example/jwks\"}"),
            "x5u-header" => Header("{\"alg\":\"RS256\",\"x5u\":\"https://attacker.example/cert\"}"),
            "x5c-header" => Header("{\"alg\":\"RS256\",\"x5c\":[\"MIIB\"]}"),
            "crit-header" => Header("{\"alg\":\"RS256\",\"kid\":\"" + rsa.KeyId + "\",\"crit\":[\"exp\"]}"),

            "tampered-payload" => parts[0] + "." + JwtWriter.Encode(KubeTokens.Json(KubeTokens.BoundClaims(ns: "kube-system"))) + "." + parts[2],
            "other-key-known-kid" => KubeTokens.Sign(KubeTokens.Rsa2, Claims(), header),
            "es256-alg-with-rsa-kid" => KubeTokens.Sign(KubeTokens.Ec256, Claims(), "{\"alg\":\"ES256\",\"kid\":\"" + rsa.KeyId + "\"}"),
            "empty-signature" => parts[0] + "." + parts[1] + ".",
            "truncated-signature" => parts[0] + "." + parts[1] + "." + parts[2][..40],
            "unknown-kid" => Header("{\"alg\":\"RS256\",\"kid\":\"unknown\"}"),
            "expired" => KubeTokens.Sign(rsa, KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds - 7200)),
            "not-yet-valid" => With(c => c["nbf"] = KubeTokens.NowSeconds + 3000),
            "issued-in-future" => With(c =>
            {
                c.Remove("nbf");
                c["iat"] = KubeTokens.NowSeconds + 3000;
            }),
            "wrong-issuer" => KubeTokens.Sign(rsa, KubeTokens.BoundClaims(issuer: "https://other.example")),
            "wrong-audience" => KubeTokens.Sign(rsa, KubeTokens.BoundClaims(audiences: ["https://kubernetes.default.svc.cluster.local"])),
            "empty-audience" => With(c => c["aud"] = new JsonArray()),
            "no-audience" => With(c => c.Remove("aud")),
            "legacy" => KubeTokens.Sign(rsa, KubeTokens.LegacyClaims()),
            _ => throw new ArgumentException("Unknown shape " + shape, nameof(shape)),
        };
    }

    /// <summary>Both tokens decode (Go's way: <c>\r\n</c> skipped, unused trailing bits ignored) to the same header, payload and signature bytes.</summary>
    internal static bool SameDecodedParts(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        if (x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!RawUrlBase64.TryDecode(x[i], out var left) || !RawUrlBase64.TryDecode(y[i], out var right) || !left.AsSpan().SequenceEqual(right))
            {
                return false;
            }
        }

        return true;
    }

    private static string HmacSignedWithModulus(SigningKey rsaKey)
    {
        // The classic RS256 → HS256 confusion: the attacker uses the public modulus as the HMAC secret.
        var modulus = ((RSA)rsaKey.Key).ExportParameters(false).Modulus!;
        var signingInput = JwtWriter.Encode("{\"alg\":\"HS256\",\"kid\":\"" + rsaKey.KeyId + "\"}") + "." + JwtWriter.Encode(KubeTokens.Json(KubeTokens.BoundClaims()));
        var mac = HMACSHA256.HashData(modulus, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(mac);
    }
}
