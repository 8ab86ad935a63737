using NUnit.Framework;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Verifier;

namespace Verifier.Tests.AspNetCore.Endpoints;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenVerificationEndpointTests
{
    private const string GoodToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnb29kIn0.c2lnbmF0dXJl";
    private const string ExpiredToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbGQifQ.c2lnbmF0dXJl";
    private const string KeylessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrZXlsZXNzIn0.c2lnbmF0dXJl";

    private const string UserJson =
        "\"username\":\"system:serviceaccount:token-demo:token-client-test\",\"uid\":\"8cfa5f15-0000-4000-8000-000000000001\"," +
        "\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:token-demo\",\"system:authenticated\"]," +
        "\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=0d211b4a-65c2-4812-b0b1-4e3cb6729dc3\"]," +
        "\"authentication.kubernetes.io/node-name\":[\"kind-control-plane\"],\"authentication.kubernetes.io/node-uid\":[\"5e42c83f-0000-4000-8000-000000000003\"]," +
        "\"authentication.kubernetes.io/pod-name\":[\"token-client-0\"],\"authentication.kubernetes.io/pod-uid\":[\"e47f05ef-0000-4000-8000-000000000002\"]}";

    private readonly FakeVerifier _verifier = FakeVerifier.Canned();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _verifier
            .Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()))
            .Add(ExpiredToken, TokenVerificationResult.Failure(VerificationFailureReason.Expired, "service account token has expired"))
            .Add(KeylessToken, TokenVerificationResult.Failure(VerificationFailureReason.KeysUnavailable, "no key set loaded"));
        _app = await TestWebApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IServiceAccountTokenVerifier>(_verifier);
                builder.Services.Configure<KubernetesTokenVerifierOptions>(o => o.Audiences = ["factors"]);
            },
            app => app.MapKubernetesTokenVerification("/verify"));
        _client = _app.GetTestClient();
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string path, string json, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string Review(string token, string? audiences = "[\"factors\"]", string apiVersion = "authentication.k8s.io/v1") =>
        "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\"" + (audiences is null ? string.Empty : ",\"audiences\":" + audiences) + "}}";

    [Test]
    public async Task Plain_TokenInBody_200WithTokenReviewUserShape()
    {
        var (status, body, response) = await PostAsync("/verify", "{\"token\":\"" + GoodToken + "\"}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body, Is.EqualTo("{" + UserJson + ",\"audiences\":[\"factors\"]}"));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
            Assert.That(response.Headers.CacheControl!.NoStore, Is.True);
        });
    }

    [Test]
    public async Task Plain_TokenInAuthorizationHeaderOfGet_200()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/verify");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GoodToken);

        using var response = await _client.SendAsync(request);

        Assert.That(await response.Content.ReadAsStringAsync(), Does.StartWith("{\"username\":\"system:serviceaccount:token-demo:token-client-test\""));
    }

    [Test]
    public async Task Plain_UnboundIdentity_OmitsUidlessFieldsAndExtra()
    {
        _verifier.Add("unbound", TestIdentities.Success(new ServiceAccountIdentity("ns", "sa") { Audiences = ["factors"] }));

        var (_, body, _) = await PostAsync("/verify", "{\"token\":\"unbound\"}");

        Assert.That(body, Is.EqualTo("{\"username\":\"system:serviceaccount:ns:sa\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:ns\",\"system:authenticated\"],\"audiences\":[\"factors\"]}"));
    }

    [Test]
    public async Task Plain_RejectedToken_401WithReasonAndChallenge()
    {
        var (status, body, response) = await PostAsync("/verify", "{\"token\":\"" + ExpiredToken + "\"}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(body, Is.EqualTo("{\"reason\":\"expired\",\"message\":\"service account token has expired\"}"));
            Assert.That(response.Headers.WwwAuthenticate.Single().ToString(), Is.EqualTo("Bearer error=\"invalid_token\", error_description=\"expired\""));
        });
    }

    [Test]
    public async Task Plain_TransientFailure_503WithReason()
    {
        var (status, body, response) = await PostAsync("/verify", "{}", bearer: KeylessToken);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body, Is.EqualTo("{\"reason\":\"keys_unavailable\",\"message\":\"no key set loaded\"}"));
            Assert.That(response.Headers.WwwAuthenticate, Is.Empty);
        });
    }

    [Test]
    public async Task Plain_NoToken_401MissingToken()
    {
        using var response = await _client.GetAsync(new Uri("/verify", UriKind.Relative));

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.StartWith("{\"reason\":\"missing_token\""));
        });
    }

    [Test]
    public async Task Plain_BodyNotJson_400WithoutQuotingBody()
    {
        var (status, body, _) = await PostAsync("/verify", "{\"token\":\"" + GoodToken + "\"");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Does.Contain("\"reason\":\"bad_request\"").And.Not.Contain(GoodToken));
        });
    }

    [Test]
    public async Task Plain_BodyTooLarge_413()
    {
        var (status, _, _) = await PostAsync("/verify", "{\"token\":\"" + new string('a', 70 * 1024) + "\"}");

        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(_verifier.Seen, Is.Empty);
    }

    [Test]
    public async Task TokenReview_ValidToken_201InKubeShape()
    {
        var (status, body, _) = await PostAsync("/verify", Review(GoodToken));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"creationTimestamp\":null}," +
                "\"spec\":{\"token\":\"" + GoodToken + "\",\"audiences\":[\"factors\"]}," +
                "\"status\":{\"authenticated\":true,\"user\":{" + UserJson + "},\"audiences\":[\"factors\"]}}"));
        });
    }

    [Test]
    public async Task TokenReview_RejectedToken_201WithErrorAndNoAuthenticatedField()
    {
        var (status, body, _) = await PostAsync("/verify", Review(ExpiredToken, audiences: null));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"creationTimestamp\":null}," +
                "\"spec\":{\"token\":\"" + ExpiredToken + "\"}," +
                "\"status\":{\"user\":{},\"error\":\"[invalid bearer token, service account token has expired]\"}}"));
        });
    }

    [Test]
    public async Task TokenReview_RequestedAudienceNotInToken_NotAuthenticated()
    {
        var (_, body, _) = await PostAsync("/verify", Review(GoodToken, audiences: "[\"vault\"]"));

        Assert.That(body, Does.EndWith(
            "\"status\":{\"user\":{},\"error\":\"[invalid bearer token, token audiences [\\\"factors\\\"] is invalid for the target audiences [\\\"vault\\\"]]\"}}"));
    }

    [Test]
    public async Task TokenReview_SeveralRequestedAudiences_AnswersIntersectionInRequestOrder()
    {
        var (_, body, _) = await PostAsync("/verify", Review(GoodToken, audiences: "[\"vault\",\"factors\"]"));

        Assert.That(body, Does.EndWith("},\"audiences\":[\"factors\"]}}"));
    }

    [Test]
    public async Task TokenReview_NoSpecAudiences_AnswersConfiguredAudiences()
    {
        var (_, body, _) = await PostAsync("/verify", Review(GoodToken, audiences: null));

        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Contain("\"spec\":{\"token\":\"" + GoodToken + "\"},"));
            Assert.That(body, Does.EndWith("},\"audiences\":[\"factors\"]}}"));
        });
    }

    [Test]
    public async Task TokenReview_V1Beta1_EchoesApiVersion()
    {
        var (status, body, _) = await PostAsync("/verify", Review(GoodToken, apiVersion: "authentication.k8s.io/v1beta1"));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Does.StartWith("{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1beta1\""));
        });
    }

    [Test]
    public async Task TokenReview_EmptyToken_400KubeStatus()
    {
        var (status, body, _) = await PostAsync("/verify", Review(string.Empty));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"token is required for TokenReview in authentication\",\"reason\":\"BadRequest\",\"code\":400}"));
        });
    }

    [Test]
    public async Task TokenReview_UnknownApiVersion_400KubeStatus()
    {
        var (status, body, _) = await PostAsync("/verify", Review(GoodToken, apiVersion: "authentication.k8s.io/v2"));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Does.StartWith("{\"kind\":\"Status\""));
            Assert.That(_verifier.Seen, Is.Empty);
        });
    }

    [Test]
    public async Task TokenReview_TransientFailure_503KubeStatus()
    {
        var (status, body, _) = await PostAsync("/verify", Review(KeylessToken));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"no key set loaded\",\"reason\":\"ServiceUnavailable\",\"code\":503}"));
        });
    }

    [TestCase("v1")]
    [TestCase("v1beta1")]
    public async Task TokenReview_KubeApiPathUnderPattern_201(string version)
    {
        var (status, body, _) = await PostAsync($"/verify/apis/authentication.k8s.io/{version}/tokenreviews", Review(GoodToken, apiVersion: "authentication.k8s.io/" + version));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Does.Contain("\"authenticated\":true"));
        });
    }

    [Test]
    public async Task TokenReview_KubeApiPathWithPlainBody_400()
    {
        var (status, _, _) = await PostAsync("/verify/apis/authentication.k8s.io/v1/tokenreviews", "{\"token\":\"" + GoodToken + "\"}");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public void Map_WithoutVerifier_ThrowsWithHowToFix()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();

        Assert.That(() => app.MapKubernetesTokenVerification(), Throws.InvalidOperationException.With.Message.Contains("AddKubernetesTokenVerifier"));
    }
}
