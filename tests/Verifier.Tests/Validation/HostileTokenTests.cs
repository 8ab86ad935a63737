using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Validation;

/// <summary>
/// Every hostile shape of issue 12 through the real entry (<see cref="TokenVerifier"/> in Local mode over a KeyStore):
/// a failure result with its exact reason, no exception, no request to a URL the token names, and with Debug logging
/// on nothing of the token but its kid and a short keyed hash in any log message or structured state.
/// Shapes shared with <see cref="TokenValidatorTests"/> are built by its <see cref="TokenValidatorTests.Hostile"/>.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class HostileTokenTests : IDisposable
{
    // Another cluster's key that happens to use our kid (kids are derived or chosen per cluster: collisions happen).
    private static readonly Lazy<SigningKey> OtherCluster = new(() => SigningKey.CreateRsa(keyId: KubeTokens.Rsa.KeyId));

    // What the verifier's Debug line may carry (TokenVerifier.Log.cs): no value of these may hold a token part.
    private static readonly string[] VerdictStateKeys = ["TokenHash", "Reason", "Message", "KeyId", "DecidedBy", "{OriginalFormat}"];

    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly VerifierHarness _harness;

    public HostileTokenTests()
    {
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(_logs)));
        _listener.Start();
        _harness = new VerifierHarness(loggers: _loggers);

        // Several keys of several types, so an empty kid has candidates and alg/key mismatches have targets.
        _harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Ec256, KubeTokens.Ec384);
    }

    private string ListenerUrl => "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/keys";

    public void Dispose()
    {
        _harness.Dispose();
        _loggers.Dispose();
        _listener.Dispose();
    }

    [TestCase("alg-none", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("alg-NONE", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("hs256-rsa-public-pem-secret", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("hs256-rsa-public-jwk-secret", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("hs256-with-rsa-modulus", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("es256-alg-with-rsa-kid", VerificationFailureReason.BadSignature)]
    [TestCase("rs256-alg-with-ec-kid", VerificationFailureReason.BadSignature)]
    [TestCase("es384-alg-on-p256-key", VerificationFailureReason.BadSignature)]
    [TestCase("jwk-header", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("jku-loopback", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("x5u-loopback", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("x5c-header", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("crit-header", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("kid-path", VerificationFailureReason.UnknownKey)]
    [TestCase("kid-control-characters", VerificationFailureReason.UnknownKey)]
    [TestCase("kid-1025-characters", VerificationFailureReason.Malformed)] // an opaque kid is at most 1 024 characters (docs/kube-apiserver.md §9.1)
    [TestCase("header-kid-number", VerificationFailureReason.Malformed)]
    [TestCase("kid-null-other-key", VerificationFailureReason.BadSignature)]
    [TestCase("kid-array", VerificationFailureReason.Malformed)]
    [TestCase("kid-empty-other-key", VerificationFailureReason.BadSignature)]
    [TestCase("header-depth-bomb", VerificationFailureReason.Malformed)]
    [TestCase("payload-deeply-nested", VerificationFailureReason.Malformed)]
    [TestCase("claim-object-depth-bomb", VerificationFailureReason.Malformed)]
    [TestCase("exp-huge", VerificationFailureReason.Malformed)]
    [TestCase("exp-400-digits", VerificationFailureReason.Malformed)]
    [TestCase("iat-huge-negative", VerificationFailureReason.Malformed)]
    [TestCase("exp-fraction-in-the-past", VerificationFailureReason.Expired)]
    [TestCase("nbf-exponent-in-the-future", VerificationFailureReason.NotYetValid)]
    [TestCase("exp-string", VerificationFailureReason.Malformed)]
    [TestCase("aud-number", VerificationFailureReason.Malformed)]
    [TestCase("aud-object", VerificationFailureReason.Malformed)]
    [TestCase("one-segment", VerificationFailureReason.Malformed)]
    [TestCase("two-parts", VerificationFailureReason.Malformed)]
    [TestCase("four-parts", VerificationFailureReason.Malformed)]
    [TestCase("16-KiB-plus-1", VerificationFailureReason.TooLarge)]
    [TestCase("non-ascii-in-payload", VerificationFailureReason.Malformed)]
    [TestCase("non-ascii-in-signature", VerificationFailureReason.Malformed)]
    [TestCase("other-cluster-colliding-kid", VerificationFailureReason.BadSignature)]
    [TestCase("legacy", VerificationFailureReason.LegacyTokenRejected)]
    [TestCase("bit-in-header-kid", VerificationFailureReason.UnknownKey)]
    [TestCase("bit-in-header-brace", VerificationFailureReason.Malformed)]
    [TestCase("bit-in-payload-claim", VerificationFailureReason.BadSignature)]
    [TestCase("bit-in-signature", VerificationFailureReason.BadSignature)]
    public async Task VerifyAsync_HostileToken_FailsWithReasonWithoutFetchOrLeak(string shape, VerificationFailureReason expected)
    {
        await _harness.LoadAsync();
        var token = Build(shape);

        var result = await _harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
            Assert.That(result.Message, Is.Not.Empty);
            Assert.That(_listener.Pending(), Is.False, "the verifier connected to a URL named in the token");
            AssertNoTokenPartLogged(token);
        });
    }

    [Test]
    public async Task VerifyAsync_TheValidTokenTheTableMutates_IsAccepted()
    {
        // The table's bit flips and key swaps start from this token: it must pass, or the table proves nothing.
        await _harness.LoadAsync();

        var result = await _harness.VerifyAsync(KubeTokens.Token());

        Assert.That(result.Succeeded, Is.True, result.Message);
    }

    [TestCase("alg-none", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("jku-loopback", VerificationFailureReason.UnsupportedAlgorithm)]
    [TestCase("bit-in-payload", VerificationFailureReason.BadSignature)]
    [TestCase("bit-in-signature", VerificationFailureReason.BadSignature)]
    [TestCase("non-ascii", VerificationFailureReason.Malformed)]
    [TestCase("16-KiB-plus-1", VerificationFailureReason.TooLarge)]
    public async Task VerifyAsync_HostileTokenInHybridMode_FailsLocallyWithoutTokenReview(string shape, VerificationFailureReason expected)
    {
        // Where the API server is part of the mode: a token the offline checks refuse is never sent to TokenReview
        // (a flood of junk must not become a flood of API-server requests).
        await using var modes = await ApiServerHarness.StartAsync(VerificationMode.Hybrid, startHost: false);
        await modes.LoadKeysAsync();
        var valid = modes.PodToken("web-0");
        var parts = valid.Split('.');
        var token = shape switch
        {
            "alg-none" => JwtWriter.Encode("{\"alg\":\"none\"}") + "." + parts[1] + ".",
            "jku-loopback" => JwtWriter.Encode("{\"alg\":\"RS256\",\"jku\":\"" + ListenerUrl + "\"}") + "." + parts[1] + "." + parts[2],
            "bit-in-payload" => FlipBit(valid, 1, Base64Url.DecodeFromChars(parts[1]).AsSpan().IndexOf("web-0"u8) + 1), // inside the pod name: still JSON
            "bit-in-signature" => FlipBit(valid, 2, 17),
            "non-ascii" => valid + "é",
            _ => valid + new string('A', (16 * 1024) + 1 - valid.Length),
        };
        var reviewsBefore = modes.TokenReviews;

        var result = await modes.Verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
            Assert.That(modes.TokenReviews, Is.EqualTo(reviewsBefore), "a hostile token reached TokenReview");
            Assert.That(_listener.Pending(), Is.False, "the verifier connected to a URL named in the token");
        });
    }

    /// <summary>Every log record's message and every structured state value is free of the token and of each non-trivial segment.</summary>
    private void AssertNoTokenPartLogged(string token)
    {
        var records = _logs.GetSnapshot();
        var verdicts = records.Where(r => r.Category == typeof(TokenVerifier).FullName).ToList();
        Assert.That(verdicts, Has.Count.EqualTo(1), "one Debug line per verdict");
        var secrets = token.Split('.').Where(s => s.Length >= 12).Append(token).ToList();
        foreach (var record in records)
        {
            var texts = new List<string> { record.Message };
            texts.AddRange((record.StructuredState ?? []).Select(p => p.Value ?? string.Empty));
            foreach (var secret in secrets)
            {
                Assert.That(texts, Has.None.Contains(secret), $"a token part is logged by {record.Category} ({record.Id.Name})");
            }
        }

        foreach (var verdict in verdicts)
        {
            Assert.That((verdict.StructuredState ?? []).Select(p => p.Key), Is.SubsetOf(VerdictStateKeys));
        }
    }

    private string Build(string shape)
    {
        var rsa = KubeTokens.Rsa;
        var valid = KubeTokens.Token(rsa);
        var parts = valid.Split('.');
        string Header(string headerJson, SigningKey? key = null) => KubeTokens.Sign(key ?? rsa, KubeTokens.BoundClaims(), headerJson);
        string With(Action<JsonObject> change)
        {
            var claims = KubeTokens.BoundClaims();
            change(claims);
            return KubeTokens.Sign(rsa, claims);
        }

        string RawPayload(string json) => KubeTokens.Sign(rsa, json);
        string KubeHeader(string kid) => "{\"alg\":\"RS256\",\"kid\":" + kid + "}";

        return shape switch
        {
            "hs256-rsa-public-pem-secret" => Hmac(rsa.ToPublicPem()),
            "hs256-rsa-public-jwk-secret" => Hmac(rsa.ToJwkJson()),
            "rs256-alg-with-ec-kid" => Header("{\"alg\":\"RS256\",\"kid\":\"" + KubeTokens.Ec256.KeyId + "\"}"),
            "es384-alg-on-p256-key" => Header("{\"alg\":\"ES384\",\"kid\":\"" + KubeTokens.Ec256.KeyId + "\"}", KubeTokens.Ec256),
            "jku-loopback" => Header("{\"alg\":\"RS256\",\"kid\":\"" + rsa.KeyId + "\",\"jku\":\"" + ListenerUrl + "\"}"),
            "x5u-loopback" => Header("{\"alg\":\"RS256\",\"kid\":\"" + rsa.KeyId + "\",\"x5u\":\"" + ListenerUrl + "\"}"),
            "x5c-header" => Header("{\"alg\":\"RS256\",\"x5c\":[\"" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(300)) + "\"]}"),
            "kid-path" => Header(KubeHeader("\"../../../etc/passwd\"")),
            "kid-control-characters" => Header(KubeHeader("\"a\\u0000b\\r\\nc\\u001b[31m\"")),
            "kid-1025-characters" => Header(KubeHeader("\"" + new string('k', 1025) + "\"")),
            "kid-null-other-key" => Header(KubeHeader("null"), KubeTokens.Rsa2),
            "kid-array" => Header(KubeHeader("[\"" + rsa.KeyId + "\"]")),
            "kid-empty-other-key" => Header(KubeHeader("\"\""), KubeTokens.Rsa2),
            "header-depth-bomb" => Header("{\"alg\":\"RS256\",\"x\":" + new string('[', 4000) + new string(']', 4000) + "}"),
            "claim-object-depth-bomb" => RawPayload(KubeTokens.Json(KubeTokens.BoundClaims()).TrimEnd('}') + ",\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000) + "}"),
            "exp-400-digits" => RawPayload(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"exp\":" + (KubeTokens.NowSeconds + 3600), "\"exp\":1" + new string('0', 400), StringComparison.Ordinal)),
            "iat-huge-negative" => With(c => c["iat"] = -1e300),
            "exp-fraction-in-the-past" => With(c => c["exp"] = KubeTokens.NowSeconds - 3600.5),
            "nbf-exponent-in-the-future" => RawPayload(KubeTokens.Json(KubeTokens.BoundClaims()).Replace("\"nbf\":" + KubeTokens.NowSeconds, "\"nbf\":1.8e9", StringComparison.Ordinal)),
            "aud-object" => With(c => c["aud"] = new JsonObject { ["aud"] = KubeTokens.Audience }),
            "one-segment" => parts[1],
            "16-KiB-plus-1" => valid + new string('A', (16 * 1024) + 1 - valid.Length),
            "non-ascii-in-payload" => parts[0] + "." + parts[1][..10] + "é" + parts[1][10..] + "." + parts[2],
            "non-ascii-in-signature" => parts[0] + "." + parts[1] + "." + parts[2] + "\u200b",
            "other-cluster-colliding-kid" => KubeTokens.Sign(OtherCluster.Value, KubeTokens.BoundClaims()),
            "bit-in-header-kid" => FlipBit(valid, 0, Encoding.ASCII.GetBytes(JwtWriter.DefaultHeaderJson(rsa)).Length - 3),
            "bit-in-header-brace" => FlipBit(valid, 0, Encoding.ASCII.GetBytes(JwtWriter.DefaultHeaderJson(rsa)).Length - 1),
            "bit-in-payload-claim" => FlipBit(valid, 1, Encoding.UTF8.GetBytes(KubeTokens.Json(KubeTokens.BoundClaims())).AsSpan().IndexOf(Encoding.ASCII.GetBytes(KubeTokens.Jti)) + 1),
            "bit-in-signature" => FlipBit(valid, 2, 17),
            _ => TokenValidatorTests.Hostile(shape),
        };
    }

    /// <summary>The RS256 → HS256 confusion: the public key in one of its published forms used as the HMAC secret.</summary>
    private static string Hmac(string secret)
    {
        var signingInput = JwtWriter.Encode("{\"alg\":\"HS256\",\"kid\":\"" + KubeTokens.Rsa.KeyId + "\"}") + "." + JwtWriter.Encode(KubeTokens.Json(KubeTokens.BoundClaims()));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The token with bit 0 of decoded byte <paramref name="byteIndex"/> of segment <paramref name="segment"/> flipped, re-encoded.</summary>
    private static string FlipBit(string token, int segment, int byteIndex)
    {
        var parts = token.Split('.');
        var bytes = Base64Url.DecodeFromChars(parts[segment]);
        bytes[byteIndex] ^= 1;
        parts[segment] = Base64Url.EncodeToString(bytes);
        return string.Join('.', parts);
    }
}
