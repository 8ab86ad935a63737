using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.AspNetCore.Authentication;
using Verifier.Testing;

namespace Verifier.Tests.AspNetCore.Authentication;

/// <summary>The scheme on the real verifier with keys from LocalApiServer: real tokens, real outages.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesServiceAccountLocalClusterTests
{
    private LocalClusterApp? _cluster;

    [TearDown]
    public async Task TearDown()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    private async Task StartAsync(Action<LocalApiServer>? configureApi = null, bool waitUntilReady = true)
    {
        _cluster = await LocalClusterApp.StartAsync(
            builder =>
            {
                builder.Services.AddAuthentication(KubernetesServiceAccountDefaults.AuthenticationScheme)
                    .AddKubernetesServiceAccount();
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/me", (ClaimsPrincipal user) =>
                {
                    var account = user.GetServiceAccount()!;
                    return $"{account.Username} {account.PodName} {account.PodUid} {account.NodeName} {account.NodeUid}";
                }).RequireAuthorization(p => p.RequireBoundPod());
            },
            waitUntilReady: waitUntilReady,
            configureApi: configureApi);
    }

    private async Task<HttpResponseMessage> GetMeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _cluster!.Client.SendAsync(request);
    }

    [Test]
    public async Task PodBoundToken_PrincipalCarriesPodAndNodeFromToken()
    {
        await StartAsync();
        var api = _cluster!.Api;

        using var response = await GetMeAsync(_cluster.IssueToken());

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(
            $"system:serviceaccount:token-demo:token-client-test token-client-0 {api.GetPodUid(LocalClusterApp.Namespace, LocalClusterApp.Pod)} node-1 {api.GetNodeUid(LocalClusterApp.Node)}"));
    }

    [Test]
    public async Task UnboundToken_BoundPodPolicy_Forbidden()
    {
        await StartAsync();

        using var response = await GetMeAsync(_cluster!.IssueToken(podBound: false));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task KeyEndpointsDown_BeforeFirstKeySet_503WithoutChallenge()
    {
        await StartAsync(api => api.Faults.SetKeyEndpoints(ApiFault.Unavailable()), waitUntilReady: false);

        using var response = await GetMeAsync(_cluster!.IssueToken());

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(response.Headers.WwwAuthenticate, Is.Empty);
        });
    }
}
