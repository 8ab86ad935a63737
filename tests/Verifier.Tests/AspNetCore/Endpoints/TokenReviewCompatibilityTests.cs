using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.AspNetCore.Endpoints;

/// <summary>
/// The same TokenReview POSTed to LocalApiServer's <c>/apis/authentication.k8s.io/v1/tokenreviews</c> and to the
/// verify endpoint (real verifier against that LocalApiServer, in each mode that answers on its own) gets the same
/// answer, byte for byte, apart from pod liveness, which Local mode does not check.
/// </summary>
[TestFixture(VerificationMode.Local)]
[TestFixture(VerificationMode.Hybrid)]
[TestFixture(VerificationMode.TokenReview)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenReviewCompatibilityTests(VerificationMode mode)
{
    private const string ReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";
    private readonly ManualTimeProvider _time = new();
    private LocalClusterApp _cluster = null!;
    private HttpClient _apiClient = null!;

    [SetUp]
    public async Task SetUp()
    {
        _cluster = await LocalClusterApp.StartAsync(
            builder => builder.Services.Configure<KubernetesTokenVerifierOptions>(o =>
            {
                o.Audiences = [LocalClusterApp.Audience];
                o.Mode = mode;
            }),
            app => app.MapKubernetesTokenVerification("/verify"),
            _time);
        _apiClient = _cluster.Api.CreateHttpClient(_cluster.Api.AdminToken);
    }

    [TearDown]
    public async Task TearDown()
    {
        _apiClient.Dispose();
        await _cluster.DisposeAsync();
    }

    private static string Review(string token, string audiences = "[\"factors\"]") =>
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":" + JsonValue.Create(token).ToJsonString() + ",\"audiences\":" + audiences + "}}";

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(string Kube, string Ours)> ReviewBothAsync(string token, string audiences = "[\"factors\"]")
    {
        var kube = await PostAsync(_apiClient, ReviewPath, Review(token, audiences));
        var ours = await PostAsync(_cluster.Client, "/verify", Review(token, audiences));
        Assert.Multiple(() =>
        {
            Assert.That(kube.Status, Is.EqualTo(HttpStatusCode.Created), kube.Body);
            Assert.That(ours.Status, Is.EqualTo(HttpStatusCode.Created), ours.Body);
        });

        return (kube.Body, ours.Body);
    }

    private static string Payload(string token) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1]));

    private string Resign(string token, Action<JsonObject> change, SigningKey? key = null)
    {
        var payload = JsonNode.Parse(Payload(token))!.AsObject();
        change(payload);
        return JwtWriter.Sign(key ?? _cluster.Api.SigningKey, payload.ToJsonString());
    }

    private static void AssertSameReview((string Kube, string Ours) answers, bool authenticated)
    {
        Assert.Multiple(() =>
        {
            Assert.That(answers.Ours, Is.EqualTo(answers.Kube));
            Assert.That(JsonNode.Parse(answers.Kube)!["status"]!["authenticated"]?.GetValue<bool>() ?? false, Is.EqualTo(authenticated), answers.Kube);
        });
    }

    [Test]
    public async Task PodBoundToken_SameAuthenticatedReview()
    {
        AssertSameReview(await ReviewBothAsync(_cluster.IssueToken()), authenticated: true);
    }

    [Test]
    public async Task UnboundToken_SameAuthenticatedReview()
    {
        AssertSameReview(await ReviewBothAsync(_cluster.IssueToken(podBound: false)), authenticated: true);
    }

    [Test]
    public async Task TokenWithSeveralAudiences_SameIntersectionInRequestedOrder()
    {
        var token = _cluster.IssueToken(audiences: ["other", "factors"]);

        AssertSameReview(await ReviewBothAsync(token, "[\"nobody\",\"factors\"]"), authenticated: true);
    }

    [Test]
    public async Task WrongAudience_SameError()
    {
        var answers = await ReviewBothAsync(_cluster.IssueToken(audiences: ["other"]));

        AssertSameReview(answers, authenticated: false);
        Assert.That(answers.Ours, Does.Contain("token audiences [\\\"other\\\"] is invalid for the target audiences [\\\"factors\\\"]"));
    }

    [Test]
    public async Task RequestedAudienceOutsideToken_SameError()
    {
        AssertSameReview(await ReviewBothAsync(_cluster.IssueToken(), "[\"vault\"]"), authenticated: false);
    }

    [Test]
    public async Task ExpiredToken_SameError()
    {
        var token = _cluster.IssueToken(expirationSeconds: 600);
        _time.Advance(TimeSpan.FromSeconds(600 + 61));

        var answers = await ReviewBothAsync(token);

        AssertSameReview(answers, authenticated: false);
        Assert.That(answers.Ours, Does.Contain("\"error\":\"[invalid bearer token, service account token has expired]\""));
    }

    [Test]
    public async Task NotYetValidToken_SameError()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var token = Resign(_cluster.IssueToken(), p => p["nbf"] = now + 120);

        AssertSameReview(await ReviewBothAsync(token), authenticated: false);
    }

    [Test]
    public async Task IssuedInFutureToken_SameError()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var token = Resign(_cluster.IssueToken(), p => p["iat"] = now + 120);

        AssertSameReview(await ReviewBothAsync(token), authenticated: false);
    }

    [Test]
    public async Task TamperedSignature_SameError()
    {
        var token = _cluster.IssueToken();
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        var tampered = parts[0] + "." + parts[1] + "." + new string(signature);

        AssertSameReview(await ReviewBothAsync(tampered), authenticated: false);
    }

    [Test]
    public async Task UnknownKeyId_SameError()
    {
        using var stranger = SigningKey.CreateRsa();
        var token = Resign(_cluster.IssueToken(), _ => { }, stranger);

        AssertSameReview(await ReviewBothAsync(token), authenticated: false);
    }

    [Test]
    public async Task ForeignIssuer_SameBareError()
    {
        var token = Resign(_cluster.IssueToken(), p => p["iss"] = "https://issuer.example.com");

        var answers = await ReviewBothAsync(token);

        AssertSameReview(answers, authenticated: false);
        Assert.That(answers.Ours, Does.Contain("\"error\":\"invalid bearer token\""));
    }

    [TestCase("not-a-jwt")]
    [TestCase("a.b.c")]
    public async Task Malformed_SameBareError(string token)
    {
        AssertSameReview(await ReviewBothAsync(token), authenticated: false);
    }

    [Test]
    public async Task DeletedPod_SameErrorExceptInLocalMode()
    {
        var token = _cluster.IssueToken();
        _cluster.Api.DeletePod(LocalClusterApp.Namespace, LocalClusterApp.Pod, TimeSpan.Zero);

        var answers = await ReviewBothAsync(token);

        Assert.That(JsonNode.Parse(answers.Kube)!["status"]!["error"]!.GetValue<string>(), Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        if (mode == VerificationMode.Local)
        {
            // The one documented difference: Local mode checks signature, issuer, audience and time, not liveness.
            Assert.That(JsonNode.Parse(answers.Ours)!["status"]!["authenticated"]!.GetValue<bool>(), Is.True);
        }
        else
        {
            AssertSameReview(answers, authenticated: false);
        }
    }
}
