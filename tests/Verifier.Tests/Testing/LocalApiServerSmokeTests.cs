using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>The STAGE 1 contract: HTTPS with its own CA, key documents, TokenRequest/TokenReview, auth, faults, counters, clock.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class LocalApiServerSmokeTests
{
    private ManualTimeProvider _time = null!;
    private LocalApiServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new ManualTimeProvider();
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time };
        _server = await LocalApiServer.StartAsync(options);
    }

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task StartAsync_Default_ServesDiscoveryOverHttpsTrustedByItsCa()
    {
        using var client = _server.CreateHttpClient(_server.AdminToken);

        using var response = await client.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_server.BaseAddress.ToString(), Does.StartWith("https://127.0.0.1:"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
            Assert.That(response.Headers.CacheControl!.ToString(), Is.EqualTo("public, max-age=3600"));
            Assert.That(body, Is.EqualTo(
                "{\"issuer\":\"https://kubernetes.default.svc.cluster.local\",\"jwks_uri\":\"https://127.0.0.1:" + _server.Port +
                "/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
        });
    }

    [Test]
    public async Task StartAsync_NoOptions_GeneratesItsOwnRsaKeyAndAdminToken()
    {
        await using var server = await LocalApiServer.StartAsync();

        Assert.Multiple(() =>
        {
            Assert.That(server.SigningKey.Algorithm, Is.EqualTo("RS256"));
            Assert.That(server.SigningKey.Key.KeySize, Is.EqualTo(2048));
            Assert.That(server.SigningKey.KeyId, Is.Not.EqualTo(_server.SigningKey.KeyId));
            Assert.That(server.AdminToken, Is.Not.EqualTo(_server.AdminToken));
            Assert.That(server.Port, Is.Not.EqualTo(_server.Port));
        });
    }

    [Test]
    public void StartAsync_PortInUse_Throws() =>
        Assert.That(
            async () => await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, Port = _server.Port }),
            Throws.InstanceOf<IOException>());

    [Test]
    public async Task Jwks_AfterRotation_ListsBothKeysAndRetireRemovesOld()
    {
        using var client = _server.CreateHttpClient(_server.AdminToken);
        var oldKid = _server.SigningKey.KeyId;
        using var next = Verifier.Testing.Tokens.SigningKey.CreateEc();

        _server.AddPublicKey(next);
        _server.SetSigningKey(next);
        var both = await client.GetStringAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        _server.RetireKey(oldKid);
        var after = await client.GetStringAsync(new Uri("/openid/v1/jwks", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(both, Does.Contain(oldKid).And.Contain(next.KeyId));
            Assert.That(after, Does.Not.Contain(oldKid).And.Contain(next.KeyId));
            Assert.That(_server.DiscoveryJson, Does.EndWith("\"id_token_signing_alg_values_supported\":[\"ES256\"]}"));
        });
    }

    [Test]
    public async Task TokenReview_PodBoundToken_AuthenticatedUntilPodDeletedPastGrace()
    {
        _server.CreateServiceAccount("apps", "web");
        _server.CreateServiceAccount("auth", "verifier");
        _server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "auth", "verifier");
        _server.CreatePod("apps", "web-0", "web", "node-1");
        var token = _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Pod("web-0"));
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier"));

        var live = await ReviewAsync(client, token);
        _server.DeletePod("apps", "web-0", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(89));
        var withinGrace = await ReviewAsync(client, token);
        _time.Advance(TimeSpan.FromSeconds(2));
        var pastGrace = await ReviewAsync(client, token);

        Assert.Multiple(() =>
        {
            Assert.That(live["status"]!["authenticated"]!.GetValue<bool>(), Is.True);
            Assert.That(live["status"]!["user"]!["extra"]!["authentication.kubernetes.io/pod-name"]![0]!.GetValue<string>(), Is.EqualTo("web-0"));
            Assert.That(withinGrace["status"]!["authenticated"]!.GetValue<bool>(), Is.True);
            Assert.That(pastGrace["status"]!["authenticated"], Is.Null);
            Assert.That(pastGrace["status"]!["error"]!.GetValue<string>(), Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [Test]
    public async Task Requests_WithoutOrWithBadCredentials_Get403And401Status()
    {
        using var anonymous = _server.CreateHttpClient();
        using var bogus = _server.CreateHttpClient("not-a-token");

        using var forbidden = await anonymous.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        using var unauthorized = await bogus.GetAsync(new Uri("/api", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await forbidden.Content.ReadAsStringAsync(), Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"forbidden: User \\\"system:anonymous\\\" cannot get path \\\"/openid/v1/jwks\\\"\",\"reason\":\"Forbidden\",\"details\":{},\"code\":403}"));
            Assert.That(unauthorized.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await unauthorized.Content.ReadAsStringAsync(), Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}"));
        });
    }

    [Test]
    public async Task Faults_Unavailable_IsServedAndCountedUntilCleared()
    {
        using var client = _server.CreateHttpClient(_server.AdminToken);
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Unavailable(TimeSpan.FromSeconds(3)));

        using var failed = await client.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        _server.Faults.Clear(ApiEndpoint.Jwks);
        using var ok = await client.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(failed.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Counters.Count(ApiEndpoint.Jwks, 503), Is.EqualTo(1));
            Assert.That(_server.Counters.Count(ApiEndpoint.Jwks, 200), Is.EqualTo(1));
            Assert.That(_server.Counters.Count(ApiEndpoint.OidcDiscovery), Is.Zero);
        });
    }

    [Test]
    public async Task TokenRequest_OverHttp_Returns201WithTokenThatReviews()
    {
        _server.CreateServiceAccount("apps", "client");
        _server.GrantClusterRole(LocalApiServerRoles.TokenCreator, "apps", "client");
        using var client = _server.CreateHttpClient(_server.IssueToken("apps", "client"));

        using var response = await client.PostAsync(
            new Uri("/api/v1/namespaces/apps/serviceaccounts/client/token", UriKind.Relative),
            new StringContent("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"audiences\":[\"factors\"],\"expirationSeconds\":600}}", Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var review = _server.ReviewToken(body["status"]!["token"]!.GetValue<string>(), ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body["status"]!["expirationTimestamp"]!.GetValue<string>(), Is.EqualTo("2026-01-01T00:10:00Z"));
            Assert.That(review.Authenticated, Is.True);
            Assert.That(review.Username, Is.EqualTo("system:serviceaccount:apps:client"));
            Assert.That(_server.Counters.Count(ApiEndpoint.TokenRequest, 201), Is.EqualTo(1));
        });
    }

    private static async Task<JsonNode> ReviewAsync(HttpClient client, string token)
    {
        using var response = await client.PostAsync(
            new Uri("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative),
            JsonContent.Create(new { apiVersion = "authentication.k8s.io/v1", kind = "TokenReview", spec = new { token, audiences = new[] { "factors" } } }));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
