using System.Net;
using System.Text;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>Authentication (admin token, issued tokens, 401) and RBAC (403 texts) on the emulated paths.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class AuthorizationTests
{
    private static readonly Uri TokenReviews = new("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative);
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });
        _server.CreateServiceAccount("auth", "verifier");
    }

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task TokenReview_WithoutAuthDelegator_403WithTheRealMessage()
    {
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier"));

        using var denied = await client.PostAsync(TokenReviews, Review("x"));
        _server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "auth", "verifier");
        using var allowed = await client.PostAsync(TokenReviews, Review("x"));

        Assert.Multiple(async () =>
        {
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await denied.Content.ReadAsStringAsync(), Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"tokenreviews.authentication.k8s.io is forbidden: User \\\"system:serviceaccount:auth:verifier\\\" cannot create resource \\\"tokenreviews\\\" in API group \\\"authentication.k8s.io\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"group\":\"authentication.k8s.io\",\"kind\":\"tokenreviews\"},\"code\":403}"));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        });
    }

    [Test]
    public async Task Grants_GroupBindingAndRevoke_TakeEffectImmediately()
    {
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier"));

        _server.GrantClusterRoleToGroup(LocalApiServerRoles.AuthDelegator, "system:serviceaccounts:auth");
        using var viaGroup = await client.PostAsync(TokenReviews, Review("x"));
        _server.RevokeClusterRoleFromGroup(LocalApiServerRoles.AuthDelegator, "system:serviceaccounts:auth");
        using var revoked = await client.PostAsync(TokenReviews, Review("x"));

        Assert.Multiple(() =>
        {
            Assert.That(viaGroup.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });
    }

    [Test]
    public async Task Bearer_ExpiredServiceAccountToken_401()
    {
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier", expirationSeconds: 600));

        using var before = await client.GetAsync(new Uri("/api", UriKind.Relative));
        _time.Advance(TimeSpan.FromSeconds(661));
        using var after = await client.GetAsync(new Uri("/api", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task Bearer_TokenForAnotherAudience_401()
    {
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier", ["factors"]));

        using var response = await client.GetAsync(new Uri("/api", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Resources_ServiceAccountWithoutRole_403NamespacedMessage()
    {
        using var client = _server.CreateHttpClient(_server.IssueToken("auth", "verifier"));

        using var response = await client.GetAsync(new Uri("/api/v1/namespaces/auth/pods", UriKind.Relative));

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(
            "\"message\":\"pods is forbidden: User \\\"system:serviceaccount:auth:verifier\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"auth\\\"\""));
    }

    [Test]
    public async Task AdminToken_ReviewedLikeAStaticToken()
    {
        var review = _server.ReviewToken(_server.AdminToken);
        var otherAudience = _server.ReviewToken(_server.AdminToken, ["factors"]);
        using var client = _server.CreateHttpClient(_server.AdminToken);
        using var pods = await client.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(review.Username, Is.EqualTo("local-admin"));
            Assert.That(review.Groups, Is.EqualTo(new[] { "system:masters", "system:authenticated" }));
            Assert.That(otherAudience.Authenticated, Is.False);
            Assert.That(pods.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public void GrantClusterRole_UnknownRole_Throws() =>
        Assert.That(() => _server.GrantClusterRole("edit", "auth", "verifier"), Throws.ArgumentException);

    private static StringContent Review(string token) =>
        new("{\"spec\":{\"token\":\"" + token + "\"}}", Encoding.UTF8, "application/json");
}
