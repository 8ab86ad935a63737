using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Testing;

/// <summary>
/// Tokens LocalApiServer issues verify with the offline core (Local mode, keys from LocalApiServer over HTTPS),
/// and the core's verdict matches LocalApiServer's TokenReview, except where Local mode differs by design: it
/// cannot see object liveness (deleted or recreated pod, deleted legacy Secret).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifierAgreementTests
{
    private const string Audience = "factors";
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer _server = null!;
    private ServiceProvider? _services;
    private string _directory = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });
        _server.CreateServiceAccount("apps", "web");
        _server.CreateNode("node-1");
        _server.CreatePod("apps", "web-0", "web", "node-1");
        _directory = Directory.CreateTempSubdirectory("lapi-verifier-").FullName;
    }

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

        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [TestCase("valid", true, VerificationFailureReason.None)]
    [TestCase("expired", false, VerificationFailureReason.Expired)]
    [TestCase("wrong-audience", false, VerificationFailureReason.WrongAudience)]
    [TestCase("wrong-issuer", false, VerificationFailureReason.WrongIssuer)]
    [TestCase("tampered", false, VerificationFailureReason.BadSignature)]
    [TestCase("rotated-out-key", false, VerificationFailureReason.UnknownKey)]
    [TestCase("legacy", false, VerificationFailureReason.WrongAudience)]
    public async Task Verdict_CoreAndTokenReview_Agree(string scenario, bool accepted, VerificationFailureReason reason)
    {
        string token;
        IEnumerable<string> reviewAudiences = [Audience];
        switch (scenario)
        {
            case "valid":
                token = _server.IssueToken("apps", "web", [Audience], boundObject: BoundObjectRef.Pod("web-0"));
                break;
            case "expired":
                token = _server.IssueToken("apps", "web", [Audience], expirationSeconds: 600);
                break;
            case "wrong-audience":
                token = _server.IssueToken("apps", "web", ["vault"]);
                break;
            case "wrong-issuer":
                token = JwtWriter.Sign(_server.SigningKey, JwtParts.PayloadJson(_server.IssueToken("apps", "web", [Audience]))
                    .Replace(_server.Issuer, "https://attacker.example.com", StringComparison.Ordinal));
                break;
            case "tampered":
                var original = _server.IssueToken("apps", "web", [Audience]);
                token = JwtParts.WithPayload(original, JwtParts.PayloadJson(original).Replace("\"web\"", "\"admin\"", StringComparison.Ordinal));
                break;
            case "rotated-out-key":
                // The operator's sequence: publish the new key, sign with it, retire the old one.
                token = _server.IssueToken("apps", "web", [Audience]);
                var next = SigningKey.CreateEc();
                _server.AddPublicKey(next);
                _server.SetSigningKey(next);
                _server.RetireKey(KubeTokens.Rsa.KeyId);
                break;
            default:
                // Legacy tokens carry no aud: kube (and the core) take them to carry the API audiences (by default the
                // issuer), which do not include ours.
                token = _server.CreateLegacyServiceAccountToken("apps", "web");
                break;
        }

        var verifier = await StartVerifierAsync();
        if (scenario == "expired")
        {
            _time.Advance(TimeSpan.FromSeconds(600 + 61));
        }

        var core = await verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var review = _server.ReviewToken(token, reviewAudiences);

        AgreementAssert.SameVerdict(core, review, accepted, reason);
    }

    [TestCase("deleted-pod")]
    [TestCase("recreated-pod")]
    [TestCase("deleted-legacy-secret")]
    public async Task Verdict_ObjectLiveness_DiffersByDesignInLocalMode(string scenario)
    {
        var legacy = scenario == "deleted-legacy-secret";
        var token = legacy
            ? _server.CreateLegacyServiceAccountToken("apps", "web", "web-token-xyz12")
            : _server.IssueToken("apps", "web", [Audience], boundObject: BoundObjectRef.Pod("web-0"));
        // A legacy token is valid for the API audiences (here the issuer): the verifier accepts that audience too.
        var verifier = await StartVerifierAsync(legacy ? [Audience, _server.Issuer] : null);
        var audiences = legacy ? null : new[] { Audience };
        var coreBefore = await verifier.VerifyAsync(token);
        var reviewBefore = _server.ReviewToken(token, audiences);

        switch (scenario)
        {
            case "deleted-pod":
                _server.DeletePod("apps", "web-0", TimeSpan.FromSeconds(30));
                _time.Advance(TimeSpan.FromSeconds(91));
                break;
            case "recreated-pod":
                _server.RecreatePod("apps", "web-0");
                break;
            default:
                _server.DeleteSecret("apps", "web-token-xyz12");
                break;
        }

        var coreAfter = await verifier.VerifyAsync(token);
        var reviewAfter = _server.ReviewToken(token, audiences);

        Assert.Multiple(() =>
        {
            Assert.That(coreBefore.Succeeded && reviewBefore.Authenticated, Is.True, "both accept while the object lives");
            Assert.That(coreAfter.Succeeded, Is.True, "Local mode cannot see object liveness: " + coreAfter);
            Assert.That(reviewAfter.Authenticated, Is.False);
            Assert.That(reviewAfter.Error, Does.Contain(legacy ? "Token has been invalidated" : scenario == "deleted-pod" ? "has been invalidated" : "does not match service account pod ref claim"));
        });
    }

    private async Task<IServiceAccountTokenVerifier> StartVerifierAsync(string[]? audiences = null)
    {
        var tokenFile = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(tokenFile, _server.AdminToken);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = audiences ?? [Audience];
            o.Mode = VerificationMode.Local;
            o.ApiServer.Server = _server.BaseAddress;
            o.ApiServer.CertificateAuthorityData = _server.CaCertificatePem;
            o.ApiServer.TokenFile = tokenFile;
            o.Validation.AcceptLegacyTokens = true;
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
