using NUnit.Framework;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.AspNetCore.Authentication;

namespace Verifier.Tests.AspNetCore.Authentication;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesServiceAccountHandlerTests
{
    private const string GoodToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnb29kIn0.c2lnbmF0dXJlLWdvb2Q";
    private const string BadToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiYWQifQ.c2lnbmF0dXJlLWJhZA";

    private readonly FakeVerifier _verifier = FakeVerifier.Canned();
    private KubernetesServiceAccountEvents _events = new();
    private WebApplication? _app;
    private HttpClient _client = null!;

    [TearDown]
    public async Task TearDown()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        _app = await TestWebApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IServiceAccountTokenVerifier>(_verifier);
                builder.Services.AddAuthentication(KubernetesServiceAccountDefaults.AuthenticationScheme)
                    .AddKubernetesServiceAccount(o => o.Events = _events);
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/whoami", (ClaimsPrincipal user) => string.Join('\n', user.Claims.Select(c => c.Type + "=" + c.Value)))
                    .RequireAuthorization();
                app.MapGet("/anonymous", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.Identity.Name! : "anonymous");
            });
        _client = _app.GetTestClient();
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _client.SendAsync(request);
    }

    [TestCase(VerificationFailureReason.Malformed, 401, "malformed")]
    [TestCase(VerificationFailureReason.TooLarge, 401, "too_large")]
    [TestCase(VerificationFailureReason.UnsupportedAlgorithm, 401, "unsupported_algorithm")]
    [TestCase(VerificationFailureReason.UnknownKey, 401, "unknown_key")]
    [TestCase(VerificationFailureReason.BadSignature, 401, "bad_signature")]
    [TestCase(VerificationFailureReason.Expired, 401, "expired")]
    [TestCase(VerificationFailureReason.NotYetValid, 401, "not_yet_valid")]
    [TestCase(VerificationFailureReason.IssuedInFuture, 401, "issued_in_future")]
    [TestCase(VerificationFailureReason.WrongIssuer, 401, "wrong_issuer")]
    [TestCase(VerificationFailureReason.WrongAudience, 401, "wrong_audience")]
    [TestCase(VerificationFailureReason.LegacyTokenRejected, 401, "legacy_token_rejected")]
    [TestCase(VerificationFailureReason.BindingInvalidated, 401, "binding_invalidated")]
    [TestCase(VerificationFailureReason.NotAuthenticated, 401, "not_authenticated")]
    [TestCase(VerificationFailureReason.KeysUnavailable, 503, null)]
    [TestCase(VerificationFailureReason.ApiServerUnavailable, 503, null)]
    [TestCase(VerificationFailureReason.VerifierMisconfigured, 503, null)]
    public async Task Authenticate_FailureReason_GivesStatusAndChallenge(VerificationFailureReason reason, int status, string? reasonClass)
    {
        _verifier.Add(BadToken, TokenVerificationResult.Failure(reason, "detail that stays in logs"));
        await StartAsync();

        using var response = await GetAsync("/whoami", BadToken);

        var challenges = response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList();
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(status));
            if (reasonClass is null)
            {
                // 503 is "try again", not a verdict on the token: no bearer challenge.
                Assert.That(challenges, Is.Empty);
            }
            else
            {
                Assert.That(challenges, Is.EqualTo(new[] { $"Bearer error=\"invalid_token\", error_description=\"{reasonClass}\"" }));
            }

            Assert.That(string.Join(' ', challenges) + body, Does.Not.Contain(BadToken.Split('.')[1]).And.Not.Contain(BadToken.Split('.')[2]));
            Assert.That(_verifier.Seen, Is.EqualTo(new[] { BadToken }));
        });
    }

    [Test]
    public async Task Authenticate_NoAuthorizationHeader_ChallengesWithoutError()
    {
        await StartAsync();

        using var response = await GetAsync("/whoami", token: null);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(response.Headers.WwwAuthenticate.Select(h => h.ToString()), Is.EqualTo(new[] { "Bearer" }));
            Assert.That(_verifier.Seen, Is.Empty);
        });
    }

    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("Bearer")]
    [TestCase("Bearer    ")]
    public async Task Authenticate_NoBearerToken_IsNoResultAndVerifierNotCalled(string authorization)
    {
        await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/anonymous");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await _client.SendAsync(request);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("anonymous"));
            Assert.That(_verifier.Seen, Is.Empty);
        });
    }

    [Test]
    public async Task Authenticate_LowercaseBearerScheme_IsAccepted()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/anonymous");
        request.Headers.TryAddWithoutValidation("Authorization", "bearer " + GoodToken);

        using var response = await _client.SendAsync(request);

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
    }

    [Test]
    public async Task Authenticate_ValidPodBoundToken_BuildsPrincipalWithStableClaimTypes()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        ClaimsPrincipal? seen = null;
        _events.OnTokenValidated = context =>
        {
            seen = context.Principal;
            return Task.CompletedTask;
        };
        await StartAsync();

        using var response = await GetAsync("/whoami", GoodToken);

        var expected = new[]
        {
            "kubernetes.io/username=system:serviceaccount:token-demo:token-client-test",
            "kubernetes.io/namespace=token-demo",
            "kubernetes.io/serviceaccount/name=token-client-test",
            "kubernetes.io/serviceaccount/uid=8cfa5f15-0000-4000-8000-000000000001",
            "kubernetes.io/pod/name=token-client-0",
            "kubernetes.io/pod/uid=e47f05ef-0000-4000-8000-000000000002",
            "kubernetes.io/node/name=kind-control-plane",
            "kubernetes.io/node/uid=5e42c83f-0000-4000-8000-000000000003",
            "kubernetes.io/group=system:serviceaccounts",
            "kubernetes.io/group=system:serviceaccounts:token-demo",
            "kubernetes.io/group=system:authenticated",
            "aud=factors",
            "jti=0d211b4a-65c2-4812-b0b1-4e3cb6729dc3",
            "iss=https://kubernetes.default.svc.cluster.local",
        };
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await response.Content.ReadAsStringAsync()).Split('\n'), Is.EqualTo(expected));
            Assert.That(seen!.Identity!.Name, Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
            Assert.That(seen.Identity.AuthenticationType, Is.EqualTo(KubernetesServiceAccountDefaults.AuthenticationScheme));
            Assert.That(seen.IsInRole("system:serviceaccounts:token-demo"), Is.True);
            Assert.That(seen.Claims.Select(c => c.Issuer).Distinct(), Is.EqualTo(new[] { TestIdentities.Issuer }));
            Assert.That(seen.GetServiceAccount()!.PodName, Is.EqualTo("token-client-0"));
        });
    }

    [Test]
    public async Task Authenticate_UnboundToken_HasNoPodOrNodeClaims()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.Unbound()));
        await StartAsync();

        using var response = await GetAsync("/whoami", GoodToken);

        var types = (await response.Content.ReadAsStringAsync()).Split('\n').Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)]);
        Assert.That(types, Has.None.StartsWith("kubernetes.io/pod").And.None.StartsWith("kubernetes.io/node").And.None.EqualTo("jti"));
    }

    [Test]
    public async Task OnMessageReceived_SetsToken_VerifiesThatToken()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        _events.OnMessageReceived = context =>
        {
            context.Token = context.Request.Headers["X-Service-Account-Token"];
            return Task.CompletedTask;
        };
        await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/anonymous");
        request.Headers.Add("X-Service-Account-Token", GoodToken);

        using var response = await _client.SendAsync(request);

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
    }

    [Test]
    public async Task OnTokenValidated_Fail_Gives401WithoutReasonClass()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        _events.OnTokenValidated = context =>
        {
            if (context.Identity.PodName is not null)
            {
                context.Fail("pods are not welcome here");
            }

            return Task.CompletedTask;
        };
        await StartAsync();

        using var response = await GetAsync("/whoami", GoodToken);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(response.Headers.WwwAuthenticate.Select(h => h.ToString()), Is.EqualTo(new[] { "Bearer error=\"invalid_token\"" }));
        });
    }

    [Test]
    public async Task OnTokenValidated_AddsClaim_ClaimReachesEndpoint()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        _events.OnTokenValidated = context =>
        {
            ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim("tier", "gold"));
            return Task.CompletedTask;
        };
        await StartAsync();

        using var response = await GetAsync("/whoami", GoodToken);

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("tier=gold"));
    }

    [Test]
    public async Task OnAuthenticationFailed_SeesReason_AndNoResultMakesRequestAnonymous()
    {
        _verifier.Add(BadToken, TokenVerificationResult.Failure(VerificationFailureReason.Expired, "service account token has expired"));
        VerificationFailureReason? seen = null;
        _events.OnAuthenticationFailed = context =>
        {
            seen = context.Reason;
            context.NoResult();
            return Task.CompletedTask;
        };
        await StartAsync();

        using var anonymous = await GetAsync("/anonymous", BadToken);
        using var protectedResponse = await GetAsync("/whoami", BadToken);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(seen, Is.EqualTo(VerificationFailureReason.Expired));
            Assert.That(await anonymous.Content.ReadAsStringAsync(), Is.EqualTo("anonymous"));
            Assert.That(protectedResponse.Headers.WwwAuthenticate.Select(h => h.ToString()), Is.EqualTo(new[] { "Bearer" }));
        });
    }

    [Test]
    public async Task OnChallenge_HandleResponse_WritesCustomResponse()
    {
        _verifier.Add(BadToken, TokenVerificationResult.Failure(VerificationFailureReason.KeysUnavailable, "no key set"));
        KubernetesChallengeContext? seen = null;
        _events.OnChallenge = async context =>
        {
            seen = context;
            context.HandleResponse();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await context.Response.WriteAsync("later");
        };
        await StartAsync();

        using var response = await GetAsync("/whoami", BadToken);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(429));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("later"));
            Assert.That(seen!.StatusCode, Is.EqualTo(503));
            Assert.That(seen.VerificationResult!.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(seen.ErrorDescription, Is.EqualTo("keys_unavailable"));
        });
    }

    [Test]
    public async Task OnChallenge_ChangesDescription_HeaderUsesIt()
    {
        _verifier.Add(BadToken, TokenVerificationResult.Failure(VerificationFailureReason.Expired, "service account token has expired"));
        _events.OnChallenge = context =>
        {
            context.ErrorDescription = "token \"expired\"";
            return Task.CompletedTask;
        };
        await StartAsync();

        using var response = await GetAsync("/whoami", BadToken);

        Assert.That(response.Headers.WwwAuthenticate.Single().ToString(), Is.EqualTo("Bearer error=\"invalid_token\", error_description=\"token \\\"expired\\\"\""));
    }

    [Test]
    public async Task Authenticate_VerifiesEachRequestOnce()
    {
        _verifier.Add(GoodToken, TestIdentities.Success(TestIdentities.PodBound()));
        await StartAsync();

        using var response = await GetAsync("/whoami", GoodToken);

        Assert.That(_verifier.Seen, Has.Count.EqualTo(1));
    }

    [Test]
    public void AddKubernetesServiceAccount_SameSchemeTwice_Throws()
    {
        var services = new ServiceCollection();
        var builder = services.AddAuthentication().AddKubernetesServiceAccount();
        builder.AddKubernetesServiceAccount();

        using var provider = services.BuildServiceProvider();

        Assert.That(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Authentication.AuthenticationOptions>>().Value,
            Throws.InvalidOperationException.With.Message.Contains(KubernetesServiceAccountDefaults.AuthenticationScheme));
    }
}
