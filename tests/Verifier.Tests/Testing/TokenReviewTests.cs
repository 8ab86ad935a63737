using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Testing;

/// <summary>TokenReview: response shapes, the order of checks, leeway, deletion grace, legacy tokens, cache (docs/kube-apiserver.md §3.2, §4, §6).</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenReviewTests
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer _server = null!;
    private string _saUid = null!;
    private string _podUid = null!;
    private string _nodeUid = null!;

    [SetUp]
    public Task SetUp() => StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task Review_Valid_201WithTheRealSuccessShape()
    {
        var token = PodToken();
        var jti = JwtParts.Payload(token)["jti"]!.GetValue<string>();

        var (status, body) = await ReviewOverHttpAsync("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\",\"audiences\":[\"factors\"]}}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"token\":\"" + token +
                "\",\"audiences\":[\"factors\"]},\"status\":{\"authenticated\":true,\"user\":{\"username\":\"system:serviceaccount:apps:web\",\"uid\":\"" + _saUid +
                "\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:apps\",\"system:authenticated\"],\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=" + jti +
                "\"],\"authentication.kubernetes.io/node-name\":[\"node-1\"],\"authentication.kubernetes.io/node-uid\":[\"" + _nodeUid +
                "\"],\"authentication.kubernetes.io/pod-name\":[\"web-0\"],\"authentication.kubernetes.io/pod-uid\":[\"" + _podUid + "\"]}},\"audiences\":[\"factors\"]}}"));
        });
    }

    [Test]
    public async Task Review_Invalid_201WithAuthenticatedOmittedAndEmptyUser()
    {
        var token = PodToken();

        var (status, body) = await ReviewOverHttpAsync("{\"spec\":{\"token\":\"" + token + "\",\"audiences\":[\"vault\"]}}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"token\":\"" + token +
                "\",\"audiences\":[\"vault\"]},\"status\":{\"user\":{},\"error\":\"[invalid bearer token, token audiences [\\\"factors\\\"] is invalid for the target audiences [\\\"vault\\\"]]\"}}"));
        });
    }

    [Test]
    public async Task Review_EmptyToken_400()
    {
        var (status, body) = await ReviewOverHttpAsync("""{"spec":{"token":""}}""");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Is.EqualTo("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"token is required for TokenReview in authentication\",\"reason\":\"BadRequest\",\"code\":400}"));
        });
    }

    [Test]
    public void Review_NoSpecAudiences_UsesApiAudiencesAndIntersection()
    {
        var token = _server.IssueToken("apps", "web", ["factors", Issuer]);

        var review = _server.ReviewToken(token);

        Assert.That(review.Audiences, Is.EqualTo(new[] { Issuer }));
    }

    [Test]
    public void Review_AudienceIntersection_KeepsRequestedOrderAndOnlyRequestedOnes()
    {
        // kube: authenticator.Audiences(tokenAudiences).Intersect(requested) walks the requested audiences.
        var token = _server.IssueToken("apps", "web", ["a", "b", "c"]);

        var review = _server.ReviewToken(token, ["c", "x", "a"]);

        Assert.That(review.Audiences, Is.EqualTo(new[] { "c", "a" }));
    }

    [TestCase(3600 + 59, true)]
    [TestCase(3600 + 61, false)]
    public void Review_AroundExpiry_SixtySecondLeeway(int secondsLater, bool authenticated)
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);

        _time.Advance(TimeSpan.FromSeconds(secondsLater));
        var review = _server.ReviewToken(token, ["factors"]);

        Assert.That(review.Error, Is.EqualTo(authenticated ? null : "[invalid bearer token, service account token has expired]"));
    }

    [TestCase("nbf", "[invalid bearer token, service account token is not valid yet]")]
    [TestCase("iat", "[invalid bearer token, service account token is issued in the future]")]
    public void Review_DatesInTheFuture_RealMessages(string claim, string expected)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var nbf = claim == "nbf" ? now + 61 : now;
        var iat = claim == "iat" ? now + 61 : now;
        var token = JwtWriter.Sign(_server.SigningKey,
            "{\"aud\":[\"factors\"],\"exp\":" + (now + 3600) + ",\"iat\":" + iat + ",\"iss\":\"" + Issuer + "\",\"kubernetes.io\":{\"namespace\":\"apps\",\"serviceaccount\":{\"name\":\"web\",\"uid\":\"" + _saUid + "\"}},\"nbf\":" + nbf + ",\"sub\":\"system:serviceaccount:apps:web\"}");

        Assert.That(_server.ReviewToken(token, ["factors"]).Error, Is.EqualTo(expected));
    }

    [Test]
    public void Review_PodDeletedGracefully_ValidUntilSixtySecondsPastDeletionTimestamp()
    {
        var token = PodToken();
        _server.DeletePod("apps", "web-0", TimeSpan.FromSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(90));
        var atBoundary = _server.ReviewToken(token, ["factors"]);
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(atBoundary.Authenticated, Is.True, "deletionTimestamp == now - 60 s is not before it");
            Assert.That(after.Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [Test]
    public void Review_PodDeletedAtAFractionOfASecond_DeletionTimestampAndLeewayAtWholeSeconds()
    {
        // kube-apiserver keeps metav1.Time at whole seconds: what a list or watch shows is what TokenReview compares.
        var token = PodToken();
        _time.Advance(TimeSpan.FromMilliseconds(700));
        _server.DeletePod("apps", "web-0", TimeSpan.FromSeconds(30));
        var shown = _server.GetPodDeletionTimestamp("apps", "web-0")!.Value;

        _time.SetUtcNow(shown.AddSeconds(60));
        var atShownBoundary = _server.ReviewToken(token, ["factors"]);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var pastShownBoundary = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(shown.UtcTicks % TimeSpan.TicksPerSecond, Is.Zero);
            Assert.That(atShownBoundary.Authenticated, Is.True);
            Assert.That(pastShownBoundary.Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"),
                "the leeway ends 60 s after the timestamp the API shows, not after a finer one it keeps to itself");
        });
    }

    [Test]
    public void Review_PodFinalized_InvalidAtOnce()
    {
        var token = PodToken();
        _server.DeletePod("apps", "web-0", TimeSpan.FromSeconds(30));

        var beforeFinalize = _server.ReviewToken(token, ["factors"]);
        _server.FinalizeDeletions();
        var afterFinalize = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(beforeFinalize.Authenticated, Is.True);
            Assert.That(afterFinalize.Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [Test]
    public void Review_PodRecreatedWithNewUid_UidMismatchMessage()
    {
        var token = PodToken();

        var newUid = _server.RecreatePod("apps", "web-0");

        Assert.That(_server.ReviewToken(token, ["factors"]).Error, Is.EqualTo($"[invalid bearer token, pod UID ({newUid}) does not match service account pod ref claim ({_podUid})]"));
    }

    [Test]
    public void Review_ServiceAccountDeletedThenRecreated_NotFoundThenUidMismatch()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);

        _server.DeleteServiceAccount("apps", "web");
        var deleted = _server.ReviewToken(token, ["factors"]);
        var newUid = _server.CreateServiceAccount("apps", "web");
        var recreated = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(deleted.Error, Is.EqualTo("[invalid bearer token, serviceaccounts \"web\" not found]"));
            Assert.That(recreated.Error, Is.EqualTo($"[invalid bearer token, service account UID ({newUid}) does not match claim ({_saUid})]"));
        });
    }

    [Test]
    public void Review_ServiceAccountBeingDeleted_DeletedMessageAfterGrace()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);

        _server.DeleteServiceAccount("apps", "web", TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(62));

        Assert.That(_server.ReviewToken(token, ["factors"]).Error, Is.EqualTo("[invalid bearer token, service account apps/web has been deleted]"));
    }

    [Test]
    public void Review_SecretAndNodeBound_DieWithTheirObject()
    {
        var secretUid = _server.CreateSecret("apps", "creds");
        var secretToken = _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Secret("creds"));
        var nodeToken = _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Node("node-1"));
        var liveNode = _server.ReviewToken(nodeToken, ["factors"]);

        _server.DeleteSecret("apps", "creds");
        _server.DeleteNode("node-1");
        var newNodeUid = _server.CreateNode("node-1");

        Assert.Multiple(() =>
        {
            Assert.That(secretUid, Is.Not.Empty);
            Assert.That(liveNode.Extra["authentication.kubernetes.io/node-uid"], Is.EqualTo(new[] { _nodeUid }));
            Assert.That(liveNode.Extra.ContainsKey("authentication.kubernetes.io/pod-name"), Is.False);
            Assert.That(_server.ReviewToken(secretToken, ["factors"]).Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
            Assert.That(_server.ReviewToken(nodeToken, ["factors"]).Error, Is.EqualTo($"[invalid bearer token, node UID ({newNodeUid}) does not match service account node ref claim ({_nodeUid})]"));
        });
    }

    [Test]
    public void Review_LegacyToken_AcceptedForApiAudiencesWithoutExtra()
    {
        var token = _server.CreateLegacyServiceAccountToken("apps", "web", "web-token-abcde");

        var review = _server.ReviewToken(token);
        var wrongAudience = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(JwtParts.PayloadJson(token), Is.EqualTo(
                "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":\"apps\",\"kubernetes.io/serviceaccount/secret.name\":\"web-token-abcde\",\"kubernetes.io/serviceaccount/service-account.name\":\"web\",\"kubernetes.io/serviceaccount/service-account.uid\":\"" + _saUid + "\",\"sub\":\"system:serviceaccount:apps:web\"}"));
            Assert.That(review.Authenticated, Is.True);
            Assert.That(review.Extra, Is.Empty);
            Assert.That(review.Audiences, Is.EqualTo(new[] { Issuer }));
            Assert.That(wrongAudience.Error, Is.EqualTo("[invalid bearer token, token audiences [\"" + Issuer + "\"] is invalid for the target audiences [\"factors\"]]"));
        });
    }

    [Test]
    public void Review_LegacyToken_SecretDeletedOrMarkedInvalid_LegacyMessages()
    {
        var deletedToken = _server.CreateLegacyServiceAccountToken("apps", "web", "gone");
        var markedToken = _server.CreateLegacyServiceAccountToken("apps", "web", "marked");

        _server.DeleteSecret("apps", "gone");
        _server.SetSecretLabel("apps", "marked", "kubernetes.io/legacy-token-invalid-since", "2025-01-01");

        Assert.Multiple(() =>
        {
            Assert.That(_server.ReviewToken(deletedToken).Error, Is.EqualTo("[invalid bearer token, Token has been invalidated]"));
            Assert.That(_server.ReviewToken(markedToken).Error, Does.StartWith("[invalid bearer token, the token in secret apps/marked for service account apps/web has been marked invalid."));
        });
    }

    [Test]
    public void Review_RetiredKey_NoKeysFound()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);
        using var next = SigningKey.CreateRsa();
        _server.SetSigningKey(next);
        var bothPublished = _server.ReviewToken(token, ["factors"]);

        var retired = _server.RetireKey(JwtParts.HeaderJson(token).Split('"')[7]);

        Assert.Multiple(() =>
        {
            Assert.That(bothPublished.Authenticated, Is.True);
            Assert.That(retired, Is.True);
            Assert.That(_server.ReviewToken(token, ["factors"]).Error, Is.EqualTo("[invalid bearer token, invalid signature, no keys found]"));
            Assert.That(_server.ReviewToken(_server.IssueToken("apps", "web", ["factors"]), ["factors"]).Authenticated, Is.True);
        });
    }

    [Test]
    public void Review_SigningKeyNotPublished_NoKeysFound()
    {
        using var hidden = SigningKey.CreateEc();
        _server.SetSigningKey(hidden, publish: false);

        Assert.That(_server.ReviewToken(_server.IssueToken("apps", "web")).Error, Is.EqualTo("[invalid bearer token, invalid signature, no keys found]"));
    }

    [Test]
    public void Review_Tampered_CryptographicPrimitiveError()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);
        var tampered = JwtParts.WithPayload(token, JwtParts.PayloadJson(token).Replace("\"apps\"", "\"prod\"", StringComparison.Ordinal));

        Assert.That(_server.ReviewToken(tampered, ["factors"]).Error, Is.EqualTo("[invalid bearer token, go-jose/go-jose: error in cryptographic primitive]"));
    }

    [TestCase("wrong-issuer")]
    [TestCase("padded")]
    [TestCase("two-parts")]
    [TestCase("json")]
    public void Review_NotMine_BareInvalidBearerToken(string kind)
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);
        var parts = token.Split('.');
        var candidate = kind switch
        {
            "wrong-issuer" => JwtWriter.Sign(_server.SigningKey, JwtParts.PayloadJson(token).Replace(Issuer, "https://elsewhere.example.com", StringComparison.Ordinal)),
            "padded" => parts[0] + "." + parts[1] + "==." + parts[2],
            "two-parts" => parts[0] + "." + parts[1],
            _ => "{\"iss\":\"" + Issuer + "\"}",
        };

        Assert.That(_server.ReviewToken(candidate, ["factors"]).Error, Is.EqualTo("invalid bearer token"));
    }

    [Test]
    public async Task Review_SecondIssuer_AcceptedButNewTokensUseTheFirst()
    {
        var options = new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time };
        options.Issuers.Add("https://old-issuer.example.com");
        await RestartAsync(options);
        var payload = JwtParts.PayloadJson(_server.IssueToken("apps", "web", ["factors"]));
        var oldIssuerToken = JwtWriter.Sign(_server.SigningKey, payload.Replace(Issuer, "https://old-issuer.example.com", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(payload, Does.Contain("\"iss\":\"" + Issuer + "\""));
            Assert.That(_server.ReviewToken(oldIssuerToken, ["factors"]).Authenticated, Is.True);
        });
    }

    [Test]
    public async Task Review_SuccessCacheOn_PodDeletionSeenOnlyAfterTtl()
    {
        await RestartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time, TokenReviewCacheTtl = TimeSpan.FromSeconds(10) });
        var token = PodToken();
        var first = _server.ReviewToken(token, ["factors"]);

        _server.DeletePod("apps", "web-0", TimeSpan.Zero);
        var cached = _server.ReviewToken(token, ["factors"]);
        var otherAudiences = _server.ReviewToken(token, ["factors", "x"]);
        _time.Advance(TimeSpan.FromSeconds(10));
        var expired = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(first.Authenticated, Is.True);
            Assert.That(cached.Authenticated, Is.True, "kube-apiserver's 10 s success cache");
            Assert.That(otherAudiences.Authenticated, Is.False, "the cache key includes the audiences");
            Assert.That(expired.Authenticated, Is.False);
        });
    }

    [Test]
    public void Review_EcSigningKey_Verifies()
    {
        using var ec = SigningKey.CreateEc(384);
        _server.SetSigningKey(ec);
        var token = _server.IssueToken("apps", "web", ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(JwtParts.HeaderJson(token), Is.EqualTo("{\"alg\":\"ES384\",\"kid\":\"" + ec.KeyId + "\"}"));
            Assert.That(_server.ReviewToken(token, ["factors"]).Authenticated, Is.True);
        });
    }

    private string PodToken() => _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Pod("web-0"));

    private async Task StartAsync(LocalApiServerOptions options)
    {
        _server = await LocalApiServer.StartAsync(options);
        _saUid = _server.CreateServiceAccount("apps", "web");
        _nodeUid = _server.CreateNode("node-1");
        _podUid = _server.CreatePod("apps", "web-0", "web", "node-1");
    }

    private async Task RestartAsync(LocalApiServerOptions options)
    {
        await _server.DisposeAsync();
        await StartAsync(options);
    }

    private async Task<(HttpStatusCode Status, string Body)> ReviewOverHttpAsync(string json)
    {
        using var client = _server.CreateHttpClient(_server.AdminToken);
        using var response = await client.PostAsync(new Uri("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
