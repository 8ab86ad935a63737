using NUnit.Framework;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.AspNetCore.Authentication;

namespace Verifier.Tests.AspNetCore.Authorization;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesAuthorizationTests
{
    private const string Scheme = KubernetesServiceAccountDefaults.AuthenticationScheme;
    private const string ClientToken = "token.client.pod";
    private const string UnboundClientToken = "token.client.unbound";
    private const string OtherAccountToken = "token.other.pod";
    private const string OtherNamespaceToken = "token.elsewhere.pod";
    private const string ExpiredToken = "token.client.expired";

    private readonly FakeVerifier _verifier = FakeVerifier.Canned();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _verifier
            .Add(ClientToken, TestIdentities.Success(TestIdentities.PodBound()))
            .Add(UnboundClientToken, TestIdentities.Success(TestIdentities.Unbound()))
            .Add(OtherAccountToken, TestIdentities.Success(TestIdentities.PodBound(name: "intruder")))
            .Add(OtherNamespaceToken, TestIdentities.Success(TestIdentities.PodBound(ns: "elsewhere")))
            .Add(ExpiredToken, TokenVerificationResult.Failure(VerificationFailureReason.Expired, "service account token has expired"));

        _app = await TestWebApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IServiceAccountTokenVerifier>(_verifier);
                builder.Services.AddAuthentication(Scheme)
                    .AddKubernetesServiceAccount();
                builder.Services.AddAuthorizationBuilder()
                    .AddServiceAccountPolicy("client", "token-demo/token-client-test", "system:serviceaccount:ops:runner")
                    .AddServiceAccountNamespacePolicy("demo-namespace", "token-demo")
                    .AddBoundPodPolicy("pod");
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/client", [Authorize(Policy = "client")] () => "ok");
                app.MapGet("/namespace", () => "ok").RequireAuthorization("demo-namespace");
                app.MapGet("/pod", () => "ok").RequireAuthorization("pod");
                app.MapGet("/inline", () => "ok").RequireAuthorization(p => p.RequireServiceAccount("token-demo", "token-client-test").RequireBoundPod());
            });
        _client = _app.GetTestClient();
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body, string[] Challenges)> GetAsync(string path, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToArray());
    }

    [TestCase("/client", ClientToken, HttpStatusCode.OK)]
    [TestCase("/client", UnboundClientToken, HttpStatusCode.OK)]
    [TestCase("/client", OtherAccountToken, HttpStatusCode.Forbidden)]
    [TestCase("/client", OtherNamespaceToken, HttpStatusCode.Forbidden)]
    [TestCase("/client", ExpiredToken, HttpStatusCode.Unauthorized)]
    [TestCase("/client", null, HttpStatusCode.Unauthorized)]
    [TestCase("/namespace", ClientToken, HttpStatusCode.OK)]
    [TestCase("/namespace", OtherAccountToken, HttpStatusCode.OK)]
    [TestCase("/namespace", OtherNamespaceToken, HttpStatusCode.Forbidden)]
    [TestCase("/pod", ClientToken, HttpStatusCode.OK)]
    [TestCase("/pod", UnboundClientToken, HttpStatusCode.Forbidden)]
    [TestCase("/inline", ClientToken, HttpStatusCode.OK)]
    [TestCase("/inline", UnboundClientToken, HttpStatusCode.Forbidden)]
    [TestCase("/inline", OtherAccountToken, HttpStatusCode.Forbidden)]
    public async Task Policy_Token_GivesStatus(string path, string? token, HttpStatusCode expected)
    {
        var (status, _, _) = await GetAsync(path, token is null ? null : "Bearer " + token);

        Assert.That(status, Is.EqualTo(expected));
    }

    [TestCase("token-demo")]
    [TestCase("token-demo/")]
    [TestCase("/name")]
    [TestCase("a/b/c")]
    [TestCase("system:serviceaccount:ns")]
    [TestCase("system:serviceaccount:ns:name:extra")]
    public void RequireAnyServiceAccount_MalformedName_ThrowsWithHowToFix(string value)
    {
        Assert.That(() => new AuthorizationPolicyBuilder().RequireAnyServiceAccount(value),
            Throws.ArgumentException.With.Message.Contains("namespace/name"));
    }

    [Test]
    public void RequireAnyServiceAccount_EmptyList_Throws()
    {
        Assert.That(() => new AuthorizationPolicyBuilder().RequireAnyServiceAccount([]), Throws.ArgumentException);
    }
}
