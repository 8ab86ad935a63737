using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing.Tokens;
using Verifier.Validation;

namespace Verifier.Tests.Validation;

/// <summary>
/// Issue 11: the offline verdict equals kube-apiserver's (go-jose v4, Go's encoding/json and base64) for tokens a
/// cluster really issues or accepts. One table per item, each built with our own keys.
/// </summary>
public class TokenValidatorFidelityTests
{
    private const string LegacyIssuer = "kubernetes/serviceaccount";
    private static readonly KeySetSnapshot Keys = KubeTokens.Snapshot(KubeTokens.Rsa);
    private static readonly KeySetSnapshot LegacyIssuerKeys = new([KubeTokens.PublicKey(KubeTokens.Rsa)], [LegacyIssuer], KubeTokens.Now, "test");

    private static ValidationOutcome Validate(string token, ValidationOptions? options = null, KeySetSnapshot? keys = null, string[]? audiences = null, DateTimeOffset? now = null) =>
        Validate(Encoding.ASCII.GetBytes(token), options, keys, audiences, now);

    private static ValidationOutcome Validate(byte[] token, ValidationOptions? options = null, KeySetSnapshot? keys = null, string[]? audiences = null, DateTimeOffset? now = null)
    {
        var validator = new TokenValidator(audiences ?? [KubeTokens.Audience], options ?? new ValidationOptions());
        var scratch = new byte[TokenValidator.ScratchLength(token.Length)];
        return validator.Validate(token, scratch, keys ?? Keys, now ?? KubeTokens.Now);
    }

    private static string Bound(Action<JsonObject>? change = null, string issuer = KubeTokens.Issuer, string? header = null)
    {
        var claims = KubeTokens.BoundClaims(issuer: issuer);
        change?.Invoke(claims);
        return KubeTokens.Sign(KubeTokens.Rsa, claims, header);
    }

    private static string Raw(string payloadJson, string? header = null) => KubeTokens.Sign(KubeTokens.Rsa, payloadJson, header);

    /// <summary>The bound claims as JSON with <paramref name="extra"/> members spliced in before the closing brace.</summary>
    private static string BoundJson(string extra, string issuer = KubeTokens.Issuer) => KubeTokens.Json(KubeTokens.BoundClaims(issuer: issuer)).TrimEnd('}') + "," + extra + "}";

    // Item 1: issuer kubernetes/serviceaccount on bound tokens (docs/kube-apiserver.md §9.2).
    [TestCase("bound-shape", "configured", VerificationFailureReason.None)]
    [TestCase("bound-shape-empty-kid", "configured", VerificationFailureReason.None)]
    [TestCase("bound-shape-expired", "configured", VerificationFailureReason.Expired)]
    [TestCase("bound-shape-expired", "configured+legacy", VerificationFailureReason.Expired)]
    [TestCase("bound-shape", "configured+legacy", VerificationFailureReason.None)]
    [TestCase("bound-shape", "not-configured", VerificationFailureReason.WrongIssuer)]
    [TestCase("flat-legacy", "configured", VerificationFailureReason.LegacyTokenRejected)]
    [TestCase("flat-legacy", "configured+legacy", VerificationFailureReason.None)]
    [TestCase("flat-legacy", "not-configured+legacy", VerificationFailureReason.None)]
    public void Validate_IssuerKubernetesServiceAccount_DecidedByClaimShape(string shape, string setup, VerificationFailureReason expected)
    {
        var token = shape switch
        {
            "bound-shape" => Bound(issuer: LegacyIssuer),
            "bound-shape-empty-kid" => Bound(issuer: LegacyIssuer, header: "{\"alg\":\"RS256\",\"kid\":\"\"}"),
            "bound-shape-expired" => KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds - 7200, issuer: LegacyIssuer)),
            _ => KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.LegacyClaims()),
        };
        var options = setup.EndsWith("+legacy", StringComparison.Ordinal) ? TokenValidatorTests.LegacyOptions() : new ValidationOptions();
        var keys = setup.StartsWith("configured", StringComparison.Ordinal) ? LegacyIssuerKeys : Keys;

        var result = Validate(token, options, keys).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
        if (expected == VerificationFailureReason.None)
        {
            Assert.That(result.Identity!.IsLegacy, Is.EqualTo(shape == "flat-legacy"));
            Assert.That(result.Identity.Issuer, Is.EqualTo(LegacyIssuer));
        }
    }

    // Item 2: what go-jose v4 decodes (docs/kube-apiserver.md §9.3).
    [TestCase("trailing-newline", VerificationFailureReason.None)]
    [TestCase("trailing-crlf", VerificationFailureReason.None)]
    [TestCase("newlines-in-every-segment", VerificationFailureReason.None)]
    [TestCase("unused-bits-header", VerificationFailureReason.None)]
    [TestCase("unused-bits-payload", VerificationFailureReason.None)]
    [TestCase("unused-bits-signature", VerificationFailureReason.None)]
    [TestCase("unused-bits-and-newline", VerificationFailureReason.None)]
    [TestCase("signed-over-unused-bits", VerificationFailureReason.BadSignature)]
    [TestCase("newline-and-tampered", VerificationFailureReason.BadSignature)]
    [TestCase("space", VerificationFailureReason.Malformed)]
    [TestCase("tab", VerificationFailureReason.Malformed)]
    [TestCase("only-newlines", VerificationFailureReason.Malformed)]
    public void Validate_EncodingGoJoseAccepts_AcceptedWithSignatureOverCanonicalText(string shape, VerificationFailureReason expected)
    {
        var result = Validate(EncodingCase(shape)).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
    }

    internal static string EncodingCase(string shape)
    {
        // A header and a payload whose base64url ends in a partial quantum, so the last character has unused bits.
        var header = WithUnusedBits(JwtWriter.DefaultHeaderJson(KubeTokens.Rsa));
        var payload = WithUnusedBits(KubeTokens.Json(KubeTokens.BoundClaims()));
        var token = KubeTokens.Sign(KubeTokens.Rsa, payload, header);
        var parts = token.Split('.');
        return shape switch
        {
            "trailing-newline" => token + "\n",
            "trailing-crlf" => token + "\r\n",
            "newlines-in-every-segment" => Insert(parts[0], "\r\n") + "." + Insert(parts[1], "\n") + "." + Insert(parts[2], "\r"),
            "unused-bits-header" => SetUnusedBits(parts[0]) + "." + parts[1] + "." + parts[2],
            "unused-bits-payload" => parts[0] + "." + SetUnusedBits(parts[1]) + "." + parts[2],
            "unused-bits-signature" => parts[0] + "." + parts[1] + "." + SetUnusedBits(parts[2]),
            "unused-bits-and-newline" => SetUnusedBits(parts[0]) + "\n." + SetUnusedBits(parts[1]) + "." + parts[2] + "\n",
            "signed-over-unused-bits" => JwtWriter.SignRaw(KubeTokens.Rsa, SetUnusedBits(parts[0]) + "." + parts[1]),
            "newline-and-tampered" => parts[0] + "." + Insert(JwtWriter.Encode(KubeTokens.Json(KubeTokens.BoundClaims(ns: "kube-system"))), "\n") + "." + parts[2],
            "space" => token + " ",
            "tab" => parts[0] + "\t." + parts[1] + "." + parts[2],
            "only-newlines" => "\r\n\n",
            _ => throw new ArgumentException("Unknown shape " + shape, nameof(shape)),
        };
    }

    /// <summary>Adds insignificant spaces until the base64url of <paramref name="json"/> ends in a partial quantum.</summary>
    private static string WithUnusedBits(string json)
    {
        while (Encoding.UTF8.GetByteCount(json) % 3 == 0)
        {
            json = json.Insert(1, " ");
        }

        return json;
    }

    private static string Insert(string segment, string what) => segment[..(segment.Length / 2)] + what + segment[(segment.Length / 2)..];

    private static string SetUnusedBits(string segment)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        Assert.That(segment.Length % 4, Is.Not.Zero, "the segment must end in a partial quantum");
        var value = Alphabet.IndexOf(segment[^1], StringComparison.Ordinal) | 1;
        return segment[..^1] + Alphabet[value];
    }

    // Item 3: strings Go repairs (docs/kube-apiserver.md §9.3): each byte of invalid UTF-8 and each lone surrogate
    // escape becomes U+FFFD.
    [TestCase("jti-invalid-byte", "abc\uFFFD")]
    [TestCase("jti-truncated-sequence", "a\uFFFD\uFFFDb")]
    [TestCase("jti-lone-high-surrogate", "\uFFFD")]
    [TestCase("jti-lone-surrogate-then-letter", "\uFFFDA")]
    [TestCase("jti-lone-low-surrogate", "x\uFFFDy")]
    [TestCase("jti-valid-pair", "\U0001F600")]
    [TestCase("pod-name-invalid-byte", "web-\uFFFD")]
    [TestCase("namespace-and-sub-invalid-byte", "ns\uFFFD")]
    public void Validate_InvalidUtf8OrLoneSurrogateInClaim_ReplacedLikeGo(string shape, string expected)
    {
        var json = KubeTokens.Json(KubeTokens.BoundClaims(ns: "nsQ"));
        json = shape switch
        {
            "jti-invalid-byte" => json.Replace(KubeTokens.Jti, "abc\u00B6", StringComparison.Ordinal),
            "jti-truncated-sequence" => json.Replace(KubeTokens.Jti, "a\u00B7b", StringComparison.Ordinal),
            "jti-lone-high-surrogate" => json.Replace(KubeTokens.Jti, "\\ud800", StringComparison.Ordinal),
            "jti-lone-surrogate-then-letter" => json.Replace(KubeTokens.Jti, "\\ud800\\u0041", StringComparison.Ordinal),
            "jti-lone-low-surrogate" => json.Replace(KubeTokens.Jti, "x\\udc00y", StringComparison.Ordinal),
            "jti-valid-pair" => json.Replace(KubeTokens.Jti, "\\ud83d\\ude00", StringComparison.Ordinal),
            "pod-name-invalid-byte" => json.Replace("jwt-test", "web-\u00B6", StringComparison.Ordinal),
            _ => json.Replace("nsQ", "ns\u00B6", StringComparison.Ordinal),
        };

        // ¶ stands for 0xFF and · for the truncated sequence E2 82, which a .NET string cannot hold.
        var payload = Encoding.UTF8.GetBytes(json).AsSpan().ToArray();
        payload = Replace(payload, Encoding.UTF8.GetBytes("\u00B6"), [0xFF]);
        payload = Replace(payload, Encoding.UTF8.GetBytes("\u00B7"), [0xE2, 0x82]);

        var result = Validate(JwtWriter.Sign(KubeTokens.Rsa, payload)).Result;

        Assert.That(result.Succeeded, Is.True, result.Message);
        var identity = result.Identity!;
        var actual = shape switch
        {
            "pod-name-invalid-byte" => identity.PodName,
            "namespace-and-sub-invalid-byte" => identity.Namespace,
            _ => identity.TokenId,
        };
        Assert.That(actual, Is.EqualTo(expected));
    }

    private static byte[] Replace(byte[] source, byte[] what, byte[] with)
    {
        int at;
        while ((at = source.AsSpan().IndexOf(what)) >= 0)
        {
            source = [.. source.AsSpan(0, at), .. with, .. source.AsSpan(at + what.Length)];
        }

        return source;
    }

    // Item 4: private claims only fail the validator that decodes them.
    [TestCase("bound-with-legacy-namespace-number", VerificationFailureReason.None)]
    [TestCase("bound-with-legacy-secret-object", VerificationFailureReason.None)]
    [TestCase("legacy-with-kubernetes-io-string", VerificationFailureReason.None)]
    [TestCase("bound-with-kubernetes-io-string", VerificationFailureReason.Malformed)]
    [TestCase("legacy-with-namespace-number", VerificationFailureReason.Malformed)]
    [TestCase("bound-with-pod-name-number", VerificationFailureReason.Malformed)]
    public void Validate_PrivateClaimOfWrongType_OnlyFailsTheValidatorThatReadsIt(string shape, VerificationFailureReason expected)
    {
        var legacy = shape.StartsWith("legacy", StringComparison.Ordinal);
        var claims = legacy ? KubeTokens.LegacyClaims() : KubeTokens.BoundClaims();
        switch (shape)
        {
            case "bound-with-legacy-namespace-number": claims["kubernetes.io/serviceaccount/namespace"] = 5; break;
            case "bound-with-legacy-secret-object": claims["kubernetes.io/serviceaccount/secret.name"] = new JsonObject { ["a"] = 1 }; break;
            case "legacy-with-kubernetes-io-string": claims["kubernetes.io"] = "default"; break;
            case "bound-with-kubernetes-io-string": claims["kubernetes.io"] = "default"; break;
            case "legacy-with-namespace-number": claims["kubernetes.io/serviceaccount/namespace"] = 5; break;
            default: ((JsonObject)((JsonObject)claims["kubernetes.io"]!)["pod"]!)["name"] = 5; break;
        }

        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), legacy ? TokenValidatorTests.LegacyOptions() : null).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
    }

    // Item 5: go-jose refuses repeated members in the header (anywhere) and in the claims structs it decodes.
    [TestCase("header-typ-twice", VerificationFailureReason.Malformed)]
    [TestCase("header-b64-twice", VerificationFailureReason.Malformed)]
    [TestCase("header-nested-object", VerificationFailureReason.Malformed)]
    [TestCase("header-nested-in-array", VerificationFailureReason.Malformed)]
    [TestCase("header-escaped-name", VerificationFailureReason.Malformed)]
    [TestCase("header-many-members", VerificationFailureReason.Malformed)]
    [TestCase("payload-unknown-twice", VerificationFailureReason.Malformed)]
    [TestCase("payload-escaped-name", VerificationFailureReason.Malformed)]
    [TestCase("payload-many-members", VerificationFailureReason.Malformed)]
    [TestCase("payload-legacy-claim-twice", VerificationFailureReason.Malformed)]
    [TestCase("kubernetes-io-unknown-twice", VerificationFailureReason.Malformed)]
    [TestCase("kubernetes-io-escaped-twice", VerificationFailureReason.Malformed)]
    [TestCase("pod-unknown-twice", VerificationFailureReason.Malformed)]
    [TestCase("pod-uid-twice", VerificationFailureReason.Malformed)]
    [TestCase("legacy-with-repeat-inside-kubernetes-io", VerificationFailureReason.None)]
    [TestCase("inside-unknown-claim", VerificationFailureReason.None)]
    [TestCase("distinct-names-differing-in-case", VerificationFailureReason.None)]
    public void Validate_DuplicateMembers_RefusedWhereGoJoseRefusesThem(string shape, VerificationFailureReason expected)
    {
        var kid = KubeTokens.Rsa.KeyId;
        var many = string.Join(",", Enumerable.Range(0, 12).Select(i => $"\"m{i}\":{i}"));
        var token = shape switch
        {
            "header-typ-twice" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\",\"typ\":\"JWT\"}"),
            "header-b64-twice" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"b64\":true,\"b64\":true}"),
            "header-nested-object" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"x\":{\"a\":1,\"a\":2}}"),
            "header-nested-in-array" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"x\":[{\"a\":1,\"a\":2}]}"),
            "header-escaped-name" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\",\"t\\u0079p\":\"JWT\"}"),
            "header-many-members" => Bound(header: "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"," + many + ",\"m3\":3}"),
            "payload-unknown-twice" => Raw(BoundJson("\"extra\":1,\"extra\":2")),
            "payload-escaped-name" => Raw(BoundJson("\"extra\":1,\"\\u0065xtra\":2")),
            "payload-many-members" => Raw(BoundJson(many + ",\"m11\":0")),
            "payload-legacy-claim-twice" => Raw(BoundJson("\"kubernetes.io/serviceaccount/namespace\":\"a\",\"kubernetes.io/serviceaccount/namespace\":\"a\"")),
            "kubernetes-io-unknown-twice" => Raw(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"kubernetes.io\":{", "\"kubernetes.io\":{\"z\":1,\"z\":1,", StringComparison.Ordinal)),
            "kubernetes-io-escaped-twice" => Raw(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"kubernetes.io\":{", "\"kubernetes.io\":{\"z\":1,\"\\u007a\":1,", StringComparison.Ordinal)),
            "pod-unknown-twice" => Raw(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"pod\":{", "\"pod\":{\"z\":1,\"z\":1,", StringComparison.Ordinal)),
            "pod-uid-twice" => Raw(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"pod\":{", "\"pod\":{\"uid\":\"" + KubeTokens.PodUid + "\",", StringComparison.Ordinal)),
            "legacy-with-repeat-inside-kubernetes-io" => Raw(KubeTokens.Json(KubeTokens.LegacyClaims()).TrimEnd('}') + ",\"kubernetes.io\":{\"z\":1,\"z\":1}}"),
            // go-jose skips the value of a member no struct field takes without looking inside it.
            "inside-unknown-claim" => Raw(BoundJson("\"extra\":{\"a\":1,\"a\":2}")),
            _ => Raw(BoundJson("\"extra\":1,\"Extra\":2")),
        };

        var result = Validate(token, shape.StartsWith("legacy", StringComparison.Ordinal) ? TokenValidatorTests.LegacyOptions() : null).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
    }

    // Item 6: kube decides "mine" with Go's encoding/json (case-insensitive names, last match wins), then re-checks
    // go-jose's exact iss.
    [TestCase("\"ISS\":\"https://evil.example\"", VerificationFailureReason.WrongIssuer)]
    [TestCase("\"Iss\":\"https://evil.example\"", VerificationFailureReason.WrongIssuer)]
    [TestCase("\"i\\u017f\\u017f\":\"https://evil.example\"", VerificationFailureReason.WrongIssuer)]
    [TestCase("\"iSs\":null", VerificationFailureReason.None)]
    [TestCase("\"ISS\":\"" + KubeTokens.Issuer + "\"", VerificationFailureReason.None)]
    [TestCase("\"ISS\":5", VerificationFailureReason.Malformed)]
    [TestCase("\"issuer\":\"https://evil.example\"", VerificationFailureReason.None)]
    public void Validate_CaseVariantOfIss_DecidedLikeKubePreCheck(string extra, VerificationFailureReason expected)
    {
        var result = Validate(Raw(BoundJson(extra))).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
    }

    [TestCase("{\"ISS\":\"" + KubeTokens.Issuer + "\",\"iss\":\"https://evil.example\"}")]
    [TestCase("{\"ISS\":\"" + KubeTokens.Issuer + "\"}")]
    public void Validate_PreCheckReadsOursButExactIssDiffers_WrongIssuer(string issuerMembers)
    {
        var claims = KubeTokens.BoundClaims();
        claims.Remove("iss");
        var json = KubeTokens.Json(claims).TrimEnd('}') + "," + issuerMembers.Trim('{', '}') + "}";

        var result = Validate(Raw(json)).Result;

        Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.WrongIssuer), result.Message);
    }

    // Item 7: RFC 7797 unencoded payloads are refused with a reason; a b64 go-jose ignores is ignored.
    [TestCase("false", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("true", VerificationFailureReason.None)]
    [TestCase("\"false\"", VerificationFailureReason.None)]
    public void Validate_B64Header_FalseIsRefused(string value, VerificationFailureReason expected)
    {
        var result = Validate(Bound(header: "{\"alg\":\"RS256\",\"b64\":" + value + ",\"kid\":\"" + KubeTokens.Rsa.KeyId + "\"}")).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
        if (expected != VerificationFailureReason.None)
        {
            Assert.That(result.Message, Does.Contain("b64"));
        }
    }

    // Item 8: legacy tokens: kube's audience rule and username split.
    [TestCase("default-api-audiences", VerificationFailureReason.WrongAudience)]
    [TestCase("api-audience-configured", VerificationFailureReason.None)]
    [TestCase("issuer-is-one-of-ours", VerificationFailureReason.None)]
    [TestCase("carries-our-aud", VerificationFailureReason.None)]
    [TestCase("carries-other-aud", VerificationFailureReason.WrongAudience)]
    [TestCase("namespace-with-colon", VerificationFailureReason.Malformed)]
    [TestCase("name-with-colon", VerificationFailureReason.Malformed)]
    [TestCase("name-with-slash", VerificationFailureReason.Malformed)]
    [TestCase("name-dot", VerificationFailureReason.Malformed)]
    [TestCase("name-dot-dot", VerificationFailureReason.Malformed)]
    [TestCase("namespace-uppercase", VerificationFailureReason.Malformed)]
    [TestCase("name-dotted-subdomain", VerificationFailureReason.None)]
    public void Validate_LegacyToken_AudienceAndUsernameAsKube(string shape, VerificationFailureReason expected)
    {
        var options = shape switch
        {
            "default-api-audiences" or "issuer-is-one-of-ours" or "carries-our-aud" or "carries-other-aud" => new ValidationOptions { AcceptLegacyTokens = true },
            _ => TokenValidatorTests.LegacyOptions(),
        };
        string[]? audiences = shape == "issuer-is-one-of-ours" ? [KubeTokens.Audience, KubeTokens.Issuer] : null;
        var (ns, name) = shape switch
        {
            "namespace-with-colon" => ("a:b", "vault"),
            "name-with-colon" => ("default", "x:y"),
            "name-with-slash" => ("default", "a/b"),
            "name-dot" => ("default", "."),
            "name-dot-dot" => ("default", ".."),
            "namespace-uppercase" => ("Default", "vault"),
            "name-dotted-subdomain" => ("default", "vault.auth"),
            _ => ("default", "vault"),
        };
        var claims = KubeTokens.LegacyClaims(ns, name);
        if (shape == "carries-our-aud")
        {
            claims["aud"] = KubeTokens.StringArray(KubeTokens.Audience);
        }
        else if (shape == "carries-other-aud")
        {
            claims["aud"] = KubeTokens.StringArray("https://other.example");
        }

        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), options, audiences: audiences).Result;

        Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
        if (shape == "issuer-is-one-of-ours")
        {
            Assert.That(result.Identity!.Audiences, Is.EqualTo(new[] { KubeTokens.Issuer }), "status.audiences: the API audiences ∩ ours");
        }
    }

    // Item 9: Identity.Audiences equals TokenReview's status.audiences: configured order, each once.
    [TestCase(new[] { "factors", "factors" }, new[] { "factors" }, new[] { "factors" })]
    [TestCase(new[] { "api", "x", "factors" }, new[] { "factors", "api" }, new[] { "factors", "api" })]
    [TestCase(new[] { "b", "a", "b", "a" }, new[] { "a", "b" }, new[] { "a", "b" })]
    public void Validate_Audiences_IntersectionInConfiguredOrderEachOnce(string[] tokenAudiences, string[] configured, string[] expected)
    {
        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(audiences: tokenAudiences)), audiences: configured).Result;

        Assert.That(result.Identity?.Audiences, Is.EqualTo(expected), result.Message);
    }

    [Test]
    public void Validate_BoundTokenWithoutAud_GetsTheApiAudiencesLikeKube()
    {
        var claims = KubeTokens.BoundClaims();
        claims.Remove("aud");

        var result = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), audiences: [KubeTokens.Audience, KubeTokens.Issuer]).Result;

        Assert.That(result.Identity?.Audiences, Is.EqualTo(new[] { KubeTokens.Issuer }), result.Message);
    }

    // Item 12: Validation:MaxTokenAge (EKS: 90 days from iat although exp is a year away).
    [TestCase(null, 91, VerificationFailureReason.None)]
    [TestCase(90, 89, VerificationFailureReason.None)]
    [TestCase(90, 91, VerificationFailureReason.Expired)]
    public void Validate_MaxTokenAge_RefusesOlderTokensAsExpired(int? maxDays, int ageDays, VerificationFailureReason expected)
    {
        var options = new ValidationOptions { MaxTokenAge = maxDays is int days ? TimeSpan.FromDays(days) : null };
        var claims = KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds - (ageDays * 86400L), lifetimeSeconds: 365 * 86400L);

        var outcome = Validate(KubeTokens.Sign(KubeTokens.Rsa, claims), options);

        Assert.That(outcome.Result.Reason, Is.EqualTo(expected), outcome.Result.Message);
        if (expected == VerificationFailureReason.Expired)
        {
            Assert.That(outcome.Result.Message, Does.Contain("Validation:MaxTokenAge"));
        }
        else if (maxDays is int limit)
        {
            var issued = KubeTokens.Now.AddDays(-ageDays);
            Assert.That(outcome.ValidUntilUtcTicks, Is.EqualTo(issued.AddDays(limit).UtcTicks), "cached no longer than the age limit");
        }
    }

    [Test]
    public void Validate_OrdinaryToken_TakesNoSlowPathAllocations()
    {
        var validator = new TokenValidator([KubeTokens.Audience], new ValidationOptions());
        var token = Encoding.ASCII.GetBytes(KubeTokens.Token());
        var scratch = new byte[TokenValidator.ScratchLength(token.Length)];
        validator.Validate(token, scratch, Keys, KubeTokens.Now);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = validator.Validate(token, scratch, Keys, KubeTokens.Now);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(outcome.Result.Succeeded, Is.True);

        // The identity, its strings and the result: under a kilobyte (864 B when written); copying the token or its parts would add more.
        Assert.That(allocated, Is.LessThan(1000), "bytes allocated by one validation");
    }

    [Test]
    public void Validate_Base64UrlHelpersAgree()
    {
        // Guard for the encoding cases above: our canonical re-encoding equals .NET's encoder output.
        var bytes = Encoding.UTF8.GetBytes(WithUnusedBits("{\"a\":1}"));
        var canonical = Base64Url.EncodeToString(bytes);

        Assert.That(RawUrlBase64.TryDecode(SetUnusedBits(canonical), out var decoded) && decoded.AsSpan().SequenceEqual(bytes), Is.True);
    }
}
