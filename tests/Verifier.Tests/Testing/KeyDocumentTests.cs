using System.Net;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Testing;

/// <summary>Discovery document and JWKS: bytes, headers, paths and access as kube-apiserver serves them (docs/kube-apiserver.md §1, §2).</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed partial class KeyDocumentTests
{
    private LocalApiServer? _server;

    [TearDown]
    public async Task TearDown()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public async Task Jwks_OneRsa2048Key_Is462BytesInGoJoseFieldOrder()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        using var client = _server.CreateHttpClient(_server.AdminToken);

        using var response = await client.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        var text = System.Text.Encoding.UTF8.GetString(body);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("application/jwk-set+json"));
            Assert.That(response.Headers.CacheControl!.ToString(), Is.EqualTo("public, max-age=3600"));
            Assert.That(body, Has.Length.EqualTo(462), "the real kind JWKS with one 2048-bit key");
            Assert.That(text, Does.Match(RsaJwks()));
            Assert.That(text, Does.Contain("\"kid\":\"" + _server.SigningKey.KeyId + "\""));
        });
    }

    [Test]
    public async Task Jwks_RsaThenEcKeys_BothPublishedInOrderAndAlgsSortedDistinct()
    {
        using var ec = SigningKey.CreateEc();
        using var rsa2 = SigningKey.CreateRsa();
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        _server.AddPublicKey(ec);
        _server.AddPublicKey(rsa2);
        using var client = _server.CreateHttpClient(_server.AdminToken);

        var jwks = await client.GetStringAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        var discovery = await client.GetStringAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(_server.PublishedKeyIds, Is.EqualTo(new[] { _server.SigningKey.KeyId, ec.KeyId, rsa2.KeyId }));
            Assert.That(jwks, Does.Contain("{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":\"" + ec.KeyId + "\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\""));
            Assert.That(jwks.IndexOf(ec.KeyId, StringComparison.Ordinal), Is.LessThan(jwks.IndexOf(rsa2.KeyId, StringComparison.Ordinal)));
            Assert.That(discovery, Does.EndWith(",\"id_token_signing_alg_values_supported\":[\"ES256\",\"RS256\"]}"));
        });
    }

    [Test]
    public async Task Discovery_IssuersAndJwksUriConfigured_FirstIssuerAndOverrideAdvertised()
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, JwksUri = new Uri("https://keys.example.com/openid/v1/jwks") };
        options.Issuers.Clear();
        options.Issuers.Add("https://issuer.example.com");
        options.Issuers.Add("https://kubernetes.default.svc.cluster.local");
        _server = await LocalApiServer.StartAsync(options);
        using var client = _server.CreateHttpClient(_server.AdminToken);

        using var response = await client.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("application/json"));
            Assert.That(response.Headers.CacheControl!.ToString(), Is.EqualTo("public, max-age=3600"));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(
                "{\"issuer\":\"https://issuer.example.com\",\"jwks_uri\":\"https://keys.example.com/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
            Assert.That(_server.ApiAudiences, Is.EqualTo(new[] { "https://issuer.example.com", "https://kubernetes.default.svc.cluster.local" }));
        });
    }

    [TestCase("/openid/v1/jwks", HttpStatusCode.OK)]
    [TestCase("/openid/v1/jwks/", HttpStatusCode.OK)]
    [TestCase("/openid/v1/jwks?x=1", HttpStatusCode.OK)]
    [TestCase("/.well-known/openid-configuration/", HttpStatusCode.OK)]
    [TestCase("/openid/v1/jwks/foo", HttpStatusCode.NotFound)]
    [TestCase("/.well-known", HttpStatusCode.NotFound)]
    public async Task Paths_AsAdmin_MatchTheUrlBoundaries(string path, HttpStatusCode expected)
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        using var client = _server.CreateHttpClient(_server.AdminToken);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(expected));
    }

    [TestCase("/openid/v1/jwks", HttpStatusCode.OK)]
    [TestCase("/openid/v1/jwks/", HttpStatusCode.OK)]
    [TestCase("/.well-known/openid-configuration", HttpStatusCode.OK)]
    [TestCase("/openid/v1/jwks/foo", HttpStatusCode.Forbidden)]
    public async Task Paths_AsServiceAccount_AllowedOnlyWhereTheDiscoveryRoleSays(string path, HttpStatusCode expected)
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        using var client = _server.CreateHttpClient(_server.IssueToken("default", "default"));

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(expected));
    }

    [Test]
    public async Task Access_AnonymousOptIn_LetsUnauthenticatedCallersReadKeys()
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa };
        options.IssuerDiscoveryGroups.Add("system:unauthenticated");
        _server = await LocalApiServer.StartAsync(options);
        using var anonymous = _server.CreateHttpClient();

        using var jwks = await anonymous.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        using var api = await anonymous.GetAsync(new Uri("/api", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "system:discovery is for authenticated users only");
        });
    }

    [Test]
    public async Task Access_DiscoveryBindingRevoked_ServiceAccountsGet403()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        _server.RevokeClusterRoleFromGroup(LocalApiServerRoles.IssuerDiscovery, "system:serviceaccounts");
        using var client = _server.CreateHttpClient(_server.IssueToken("default", "default"));

        using var response = await client.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(
            "\"message\":\"forbidden: User \\\"system:serviceaccount:default:default\\\" cannot get path \\\"/openid/v1/jwks\\\"\""));
    }

    [Test]
    public async Task Discovery_IssuerNotAnHttpsUrl_RoutesAbsentButTokensStillWork()
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa };
        options.Issuers.Clear();
        options.Issuers.Add("kubernetes/serviceaccount-like");
        _server = await LocalApiServer.StartAsync(options);
        using var client = _server.CreateHttpClient(_server.AdminToken);

        using var discovery = await client.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));
        using var jwks = await client.GetAsync(new Uri("/openid/v1/jwks", UriKind.Relative));
        var token = _server.IssueToken("default", "default");

        Assert.Multiple(() =>
        {
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(_server.ReviewToken(token).Authenticated, Is.True);
        });
    }

    [TestCase("")]
    [TestCase("dup")]
    [TestCase("jwks")]
    [TestCase("max")]
    public void StartAsync_SettingsKubeApiserverRefuses_Throws(string which)
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa };
        switch (which)
        {
            case "":
                options.Issuers.Clear();
                break;
            case "dup":
                options.Issuers.Add(LocalApiServerOptions.DefaultIssuer);
                break;
            case "jwks":
                options.JwksUri = new Uri("http://127.0.0.1/openid/v1/jwks");
                break;
            default:
                options.MaxTokenExpiration = TimeSpan.FromMinutes(30);
                break;
        }

        Assert.That(async () => await LocalApiServer.StartAsync(options), Throws.ArgumentException);
    }

    [GeneratedRegex("^\\{\"keys\":\\[\\{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":\"[A-Za-z0-9_-]{43}\",\"alg\":\"RS256\",\"n\":\"[A-Za-z0-9_-]{342}\",\"e\":\"AQAB\"\\}\\]\\}$")]
    private static partial Regex RsaJwks();
}
