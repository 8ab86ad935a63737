using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Keys;

namespace Verifier.Tests.Testing;

/// <summary>
/// Issue 11, items 1-9: for each case, the offline verdict (Local mode, keys from a file as a kubernetes/serviceaccount
/// cluster needs) equals LocalApiServer's TokenReview verdict, which follows kube-apiserver (go-jose v4, Go's
/// encoding/json and base64). The one deliberate difference, <c>"b64": false</c>, is asserted as a difference.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FidelityAgreementTests
{
    private const string Audience = "factors";
    private const string LegacyIssuer = "kubernetes/serviceaccount";
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer? _server;
    private ServiceProvider? _services;
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("lapi-fidelity-").FullName;

    [TearDown]
    public async Task TearDown()
    {
        if (_services is not null)
        {
            foreach (var hosted in _services.GetServices<IHostedService>())
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await _services.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [TestCase("legacy-issuer-bound", true, VerificationFailureReason.None)]
    [TestCase("legacy-issuer-bound-expired", false, VerificationFailureReason.Expired)]
    [TestCase("trailing-newline", true, VerificationFailureReason.None)]
    [TestCase("crlf-inside", true, VerificationFailureReason.None)]
    [TestCase("unused-bits", true, VerificationFailureReason.None)]
    [TestCase("signed-over-unused-bits", false, VerificationFailureReason.BadSignature)]
    [TestCase("space", false, VerificationFailureReason.Malformed)]
    [TestCase("invalid-utf8-jti", true, VerificationFailureReason.None)]
    [TestCase("lone-surrogate-jti", true, VerificationFailureReason.None)]
    [TestCase("legacy-claim-wrong-type-in-bound", true, VerificationFailureReason.None)]
    [TestCase("duplicate-header-member", false, VerificationFailureReason.Malformed)]
    [TestCase("duplicate-claim", false, VerificationFailureReason.Malformed)]
    [TestCase("duplicate-in-pod-ref", false, VerificationFailureReason.Malformed)]
    [TestCase("duplicate-inside-unknown-claim", true, VerificationFailureReason.None)]
    [TestCase("case-variant-iss", false, VerificationFailureReason.WrongIssuer)]
    [TestCase("legacy-default-api-audiences", false, VerificationFailureReason.WrongAudience)]
    [TestCase("legacy-api-audience", true, VerificationFailureReason.None)]
    [TestCase("legacy-bad-username", false, VerificationFailureReason.Malformed)]
    [TestCase("audiences-order", true, VerificationFailureReason.None)]
    public async Task Verdict_CoreAndTokenReview_Agree(string scenario, bool accepted, VerificationFailureReason reason)
    {
        var legacyIssuerCluster = scenario.StartsWith("legacy-issuer", StringComparison.Ordinal);
        var apiAudience = scenario is "legacy-api-audience" or "legacy-bad-username";
        _server = await StartServerAsync(legacyIssuerCluster, apiAudience);
        var token = Token(scenario);
        string[] audiences = scenario == "audiences-order" ? ["other", Audience] : [Audience];
        var verifier = await StartVerifierAsync(audiences, apiAudience);
        if (scenario == "legacy-issuer-bound-expired")
        {
            _time.Advance(TimeSpan.FromSeconds(600 + 61));
        }

        var core = await verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var review = _server.ReviewToken(token, audiences);

        AgreementAssert.SameVerdict(core, review, accepted, reason);
    }

    [Test]
    public async Task Verdict_UnencodedPayload_IsTheOneDeliberateDifference()
    {
        // RFC 7797: go-jose verifies over the raw payload when "b64": false; we refuse such tokens (README, fidelity).
        _server = await StartServerAsync(legacyIssuerCluster: false, apiAudience: false);
        var payload = JwtParts.PayloadJson(_server.IssueToken("apps", "web", [Audience]));
        var header = JwtWriter.Encode("{\"alg\":\"RS256\",\"b64\":false,\"kid\":\"" + _server.SigningKey.KeyId + "\"}");
        var signature = _server.SigningKey.Sign(Encoding.ASCII.GetBytes(header + "." + payload));
        var token = header + "." + JwtWriter.Encode(payload) + "." + Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var verifier = await StartVerifierAsync([Audience], apiAudience: false);

        var core = await verifier.VerifyAsync(token);
        var review = _server.ReviewToken(token, [Audience]);

        Assert.Multiple(() =>
        {
            Assert.That(review.Authenticated, Is.True, review.Error);
            Assert.That(core.Reason, Is.EqualTo(VerificationFailureReason.UnsupportedAlgorithm), core.ToString());
            Assert.That(core.Message, Does.Contain("b64"));
        });
    }

    private async Task<LocalApiServer> StartServerAsync(bool legacyIssuerCluster, bool apiAudience)
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time, EmptyKeyId = legacyIssuerCluster };
        if (legacyIssuerCluster)
        {
            // A minikube/kops-era cluster: bound tokens under the legacy issuer, "kid":"", no JWKS route.
            options.Issuers.Clear();
            options.Issuers.Add(LegacyIssuer);
        }

        if (apiAudience)
        {
            options.ApiAudiences.Add(Audience);
        }

        var server = await LocalApiServer.StartAsync(options);
        server.CreateServiceAccount("apps", "web");
        server.CreateNode("node-1");
        server.CreatePod("apps", "web-0", "web", "node-1");
        return server;
    }

    private string Token(string scenario)
    {
        var server = _server!;
        var key = server.SigningKey;
        string Issue(IEnumerable<string>? audiences = null) => server.IssueToken("apps", "web", audiences ?? [Audience], boundObject: BoundObjectRef.Pod("web-0"));
        string Resign(Func<string, string> change) => JwtWriter.Sign(key, change(JwtParts.PayloadJson(Issue())));
        string Splice(string payload, string extra) => payload[..^1] + "," + extra + "}";

        switch (scenario)
        {
            case "legacy-issuer-bound":
                return Issue();
            case "legacy-issuer-bound-expired":
                return server.IssueToken("apps", "web", [Audience], expirationSeconds: 600);
            case "trailing-newline":
                return Issue() + "\n";
            case "crlf-inside":
                var token = Issue();
                return token[..40] + "\r\n" + token[40..];
            case "unused-bits":
                // An RSA-2048 signature is 256 bytes: its base64url ends in a partial quantum with 4 unused bits.
                var issued = Issue();
                return issued[..^1] + SetLowBit(issued[^1]);
            case "signed-over-unused-bits":
            {
                var parts = Issue().Split('.');
                var header = parts[0].Length % 4 == 0 ? parts[0] : parts[0][..^1] + SetLowBit(parts[0][^1]);
                var payload = parts[1].Length % 4 == 0 ? parts[1] : parts[1][..^1] + SetLowBit(parts[1][^1]);
                return JwtWriter.SignRaw(key, header + "." + payload);
            }

            case "space":
                return Issue() + " ";
            case "invalid-utf8-jti":
            {
                var payload = Encoding.UTF8.GetBytes(JwtParts.PayloadJson(Issue()));
                var at = payload.AsSpan().IndexOf("\"jti\":\""u8) + 7;
                payload[at] = 0xFF;
                return JwtWriter.Sign(key, payload);
            }

            case "lone-surrogate-jti":
                return Resign(p => p.Replace("\"jti\":\"", "\"jti\":\"\\ud800", StringComparison.Ordinal));
            case "legacy-claim-wrong-type-in-bound":
                return Resign(p => Splice(p, "\"kubernetes.io/serviceaccount/namespace\":5"));
            case "duplicate-header-member":
                return JwtWriter.Sign(key, JwtParts.PayloadJson(Issue()), "{\"alg\":\"RS256\",\"kid\":\"" + key.KeyId + "\",\"typ\":\"JWT\",\"typ\":\"JWT\"}");
            case "duplicate-claim":
                return Resign(p => Splice(p, "\"extra\":1,\"extra\":2"));
            case "duplicate-in-pod-ref":
                return Resign(p => p.Replace("\"pod\":{", "\"pod\":{\"z\":1,\"z\":1,", StringComparison.Ordinal));
            case "duplicate-inside-unknown-claim":
                return Resign(p => Splice(p, "\"extra\":{\"a\":1,\"a\":2}"));
            case "case-variant-iss":
                return Resign(p => Splice(p, "\"ISS\":\"https://attacker.example.com\""));
            case "legacy-default-api-audiences":
            case "legacy-api-audience":
                return server.CreateLegacyServiceAccountToken("apps", "web");
            case "legacy-bad-username":
                // Claims and sub agree, but kube's SplitUsername refuses a namespace with ':'.
                return JwtWriter.Sign(key, ClaimsJson.Legacy("apps:x", "web-token-abcde", "web", "uid"));
            default:
                return Issue(["x", Audience, "other", Audience]);
        }
    }

    private static char SetLowBit(char c)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return Alphabet[Alphabet.IndexOf(c, StringComparison.Ordinal) | 1];
    }

    private async Task<IServiceAccountTokenVerifier> StartVerifierAsync(string[] audiences, bool apiAudience)
    {
        // Keys from a file: a kubernetes/serviceaccount cluster serves no JWKS.
        var jwks = Path.Combine(_directory, "jwks.json");
        await File.WriteAllTextAsync(jwks, _server!.JwksJson);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = audiences;
            o.Issuers = [_server.Issuer];
            o.Mode = VerificationMode.Local;
            o.ApiServer.UseInCluster = false;
            o.Keys.Source = KeySourceKind.StaticFile;
            o.Keys.StaticFilePath = jwks;
            o.Validation.AcceptLegacyTokens = true;
            if (apiAudience)
            {
                o.Validation.ApiAudiences = [Audience];
            }
        });
        _services = services.BuildServiceProvider();
        foreach (var hosted in _services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var verifier = _services.GetRequiredService<IServiceAccountTokenVerifier>();
        await verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return verifier;
    }
}
