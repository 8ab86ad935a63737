using NUnit.Framework;
using Verifier.Testing;
using Verifier.Tests.Keys;
using Verifier.Tests.TestKit;
using Verifier.Tests.Testing;

namespace Verifier.Tests.Cluster;

/// <summary>
/// An API server behind a path-routing proxy (Rancher's <c>/k8s/clusters/{id}</c>): the kubeconfig's server URL has a
/// path, and every request, keys and TokenReview included, must go under it, as kubectl sends them.
/// </summary>
public sealed class PathPrefixedApiServerTests
{
    private const string Prefix = "/k8s/clusters/c-7qx2m";

    [Test]
    public async Task LocalApiServer_WithPathBase_ServesOnlyUnderIt()
    {
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { PathBase = Prefix });
        using var client = server.CreateHttpClient(server.AdminToken);

        using var inside = await client.GetAsync(new Uri(server.BaseAddress, "version"));
        using var outside = await client.GetAsync(new Uri(server.BaseAddress, "/version"));

        Assert.Multiple(() =>
        {
            Assert.That(server.BaseAddress.AbsolutePath, Is.EqualTo(Prefix + "/"));
            Assert.That(inside.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
            Assert.That(outside.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Kubectl_KubeconfigWithPath_ReachesTheApiUnderIt()
    {
        Assert.That(Kubectl.Executable, Is.Not.Null, "kubectl must be on PATH (.ci/run installs Debian's kubernetes-client)");
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { PathBase = Prefix });
        using var kubectl = new Kubectl();
        server.WriteKubeconfig(kubectl.KubeconfigPath);

        // Not `get --raw`: kubectl sends a raw path from the host root, outside the server URL's path.
        var version = await kubectl.RunAsync("version", "-o", "json");
        var token = await kubectl.RunAsync("create", "token", "default", "--audience", "factors");

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(kubectl.KubeconfigPath), Does.Contain(Prefix));
            Assert.That(version.ExitCode, Is.Zero, version.Stderr);
            Assert.That(version.Stdout, Does.Contain("\"serverVersion\""));
            Assert.That(token.ExitCode, Is.Zero, token.Stderr);
            Assert.That(server.ReviewToken(token.Stdout.Trim(), ["factors"]).Authenticated, Is.True);
        });
    }

    [Test]
    public async Task LocalMode_ServerUrlWithPath_FetchesKeysUnderItAndVerifies()
    {
        await using var harness = await ApiServerHarness.StartAsync(configureServer: o => o.PathBase = Prefix);
        await harness.WaitUntilReadyAsync();

        var result = await harness.VerifyAsync(harness.IssueToken(pod: "web-0"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.ToString());
            Assert.That(harness.DiscoveryFetches, Is.EqualTo(1));
            Assert.That(harness.JwksFetches, Is.EqualTo(1));
            Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.Null);
        });
    }

    [Test]
    public async Task TokenReviewMode_ServerUrlWithPath_ReviewsUnderIt()
    {
        await using var harness = await ApiServerHarness.StartAsync(VerificationMode.TokenReview, startHost: false, configureServer: o => o.PathBase = Prefix);

        var accepted = await harness.VerifyAsync(harness.PodToken("web-0"));

        Assert.Multiple(() =>
        {
            Assert.That(accepted.Succeeded, Is.True, accepted.Message);
            Assert.That(harness.Server.Counters.Count(ApiEndpoint.TokenReview, 201), Is.EqualTo(1));
        });
    }
}
