using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>TokenRequest over HTTP: response shape, claims bytes, defaults, limits, binding errors (docs/kube-apiserver.md §3.1, §5).</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed partial class TokenRequestTests
{
    private const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer _server = null!;
    private HttpClient _client = null!;
    private string _saUid = null!;

    [SetUp]
    public Task SetUp() => StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Create_Defaults_201WithTheRealShape()
    {
        var (status, body, _) = await RequestAsync("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}""");

        var token = JsonNode.Parse(body)!["status"]!["token"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"TokenRequest\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"name\":\"web\",\"namespace\":\"apps\",\"uid\":\"" + _saUid +
                "\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"audiences\":[\"" + DefaultIssuer + "\"],\"expirationSeconds\":3600},\"status\":{\"token\":\"" + token +
                "\",\"expirationTimestamp\":\"2026-01-01T01:00:00Z\"}}"));
        });
    }

    [Test]
    public async Task Create_PodBound_ClaimsAreAlphabeticalWithIntegerDatesAndNodeInfo()
    {
        var nodeUid = _server.CreateNode("node-1");
        var podUid = _server.CreatePod("apps", "web-0", "web", "node-1");

        var (_, body, _) = await RequestAsync("""{"spec":{"audiences":["factors","vault"],"expirationSeconds":600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web-0"}}}""");

        var token = JsonNode.Parse(body)!["status"]!["token"]!.GetValue<string>();
        var payload = JwtParts.PayloadJson(token);
        var jti = JwtParts.Payload(token)["jti"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(JwtParts.HeaderJson(token), Is.EqualTo("{\"alg\":\"RS256\",\"kid\":\"" + _server.SigningKey.KeyId + "\"}"));
            Assert.That(jti, Does.Match(UuidV4()));
            Assert.That(payload, Is.EqualTo(
                "{\"aud\":[\"factors\",\"vault\"],\"exp\":1767226200,\"iat\":1767225600,\"iss\":\"" + DefaultIssuer + "\",\"jti\":\"" + jti +
                "\",\"kubernetes.io\":{\"namespace\":\"apps\",\"node\":{\"name\":\"node-1\",\"uid\":\"" + nodeUid + "\"},\"pod\":{\"name\":\"web-0\",\"uid\":\"" + podUid +
                "\"},\"serviceaccount\":{\"name\":\"web\",\"uid\":\"" + _saUid + "\"}},\"nbf\":1767225600,\"sub\":\"system:serviceaccount:apps:web\"}"));
            Assert.That(JsonNode.Parse(body)!["spec"]!["boundObjectRef"]!.ToJsonString(), Is.EqualTo("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"web-0\"}"));
        });
    }

    [Test]
    public async Task Create_PodOnMissingNode_NodeClaimHasNameOnly()
    {
        _server.CreatePod("apps", "web-0", "web", "node-gone");

        var token = _server.IssueToken("apps", "web", boundObject: BoundObjectRef.Pod("web-0"));

        Assert.That(JwtParts.Payload(token)["kubernetes.io"]!["node"]!.ToJsonString(), Is.EqualTo("{\"name\":\"node-gone\"}"));
    }

    [Test]
    public void Create_SecretAndNodeBound_CarryOnlyThatObject()
    {
        var secretUid = _server.CreateSecret("apps", "creds");
        var nodeUid = _server.CreateNode("node-7");

        var secretBound = JwtParts.Payload(_server.IssueToken("apps", "web", boundObject: BoundObjectRef.Secret("creds")))["kubernetes.io"]!;
        var nodeBound = JwtParts.Payload(_server.IssueToken("apps", "web", boundObject: BoundObjectRef.Node("node-7")))["kubernetes.io"]!;

        Assert.Multiple(() =>
        {
            Assert.That(secretBound.ToJsonString(), Is.EqualTo("{\"namespace\":\"apps\",\"secret\":{\"name\":\"creds\",\"uid\":\"" + secretUid + "\"},\"serviceaccount\":{\"name\":\"web\",\"uid\":\"" + _saUid + "\"}}"));
            Assert.That(nodeBound.ToJsonString(), Is.EqualTo("{\"namespace\":\"apps\",\"node\":{\"name\":\"node-7\",\"uid\":\"" + nodeUid + "\"},\"serviceaccount\":{\"name\":\"web\",\"uid\":\"" + _saUid + "\"}}"));
        });
    }

    [TestCase(599, "Invalid value: 599: may not specify a duration less than 10 minutes")]
    [TestCase(4294967296, "Invalid value: 4294967296: may not specify a duration larger than 2^32 seconds")]
    public async Task Create_ExpirationOutOfRange_422WithTheRealStatus(long seconds, string cause)
    {
        var (status, body, _) = await RequestAsync("{\"spec\":{\"expirationSeconds\":" + seconds + "}}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(body, Is.EqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"TokenRequest.authentication.k8s.io \\\"\\\" is invalid: spec.expirationSeconds: " + cause +
                "\",\"reason\":\"Invalid\",\"details\":{\"group\":\"authentication.k8s.io\",\"kind\":\"TokenRequest\",\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"" + cause +
                "\",\"field\":\"spec.expirationSeconds\"}]},\"code\":422}"));
        });
    }

    [Test]
    public async Task Create_LongerThanMaximum_ClampedWithWarningHeader()
    {
        await RestartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time, MaxTokenExpiration = TimeSpan.FromHours(2) });

        var (status, body, response) = await RequestAsync("""{"spec":{"expirationSeconds":10000}}""");

        var json = JsonNode.Parse(body)!;
        var payload = JwtParts.Payload(json["status"]!["token"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(response.Headers.GetValues("Warning"), Is.EqualTo(new[] { "299 - \"requested expiration of 10000 seconds shortened to 7200 seconds\"" }));
            Assert.That(json["spec"]!["expirationSeconds"]!.GetValue<long>(), Is.EqualTo(7200));
            Assert.That(payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>(), Is.EqualTo(7200));
        });
    }

    [Test]
    public async Task Create_PodBound3607WithApiAudiences_OneYearTokenWithWarnAfterButStatusSaysRequested()
    {
        _server.CreatePod("apps", "web-0", "web");

        var (_, body, _) = await RequestAsync("""{"spec":{"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","name":"web-0"}}}""");

        var json = JsonNode.Parse(body)!;
        var payload = JwtParts.Payload(json["status"]!["token"]!.GetValue<string>());
        var iat = payload["iat"]!.GetValue<long>();
        Assert.Multiple(() =>
        {
            Assert.That(payload["exp"]!.GetValue<long>() - iat, Is.EqualTo(31536000));
            Assert.That(payload["kubernetes.io"]!["warnafter"]!.GetValue<long>() - iat, Is.EqualTo(3607));
            Assert.That(json["spec"]!["expirationSeconds"]!.GetValue<long>(), Is.EqualTo(3607));
            Assert.That(json["status"]!["expirationTimestamp"]!.GetValue<string>(), Is.EqualTo("2026-01-01T01:00:07Z"));
        });
    }

    [TestCase("other-audience", true, true, 3607)]
    [TestCase(null, false, true, 3607)]
    [TestCase(null, true, false, 3607)]
    [TestCase(null, true, true, 3600)]
    public async Task Create_ExtensionConditionNotMet_TokenKeepsRequestedLifetime(string? audience, bool podBound, bool extend, long seconds)
    {
        await RestartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time, ExtendTokenExpiration = extend });
        _server.CreatePod("apps", "web-0", "web");

        var token = _server.IssueToken("apps", "web", audience is null ? null : [audience], seconds, podBound ? BoundObjectRef.Pod("web-0") : null);

        var payload = JwtParts.Payload(token);
        Assert.Multiple(() =>
        {
            Assert.That(payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>(), Is.EqualTo(seconds));
            Assert.That(payload["kubernetes.io"]!["warnafter"], Is.Null);
        });
    }

    [TestCase("""{"kind":"Pod","apiVersion":"v1","name":"missing"}""", HttpStatusCode.NotFound, "pods \\\"missing\\\" not found")]
    [TestCase("""{"kind":"Pod","apiVersion":"v1","name":"other-0"}""", HttpStatusCode.BadRequest, "cannot bind token for serviceaccount \\\"web\\\" to pod running with different serviceaccount name.")]
    [TestCase("""{"kind":"Pod","apiVersion":"v1","name":"web-0","uid":"00000000-0000-0000-0000-000000000000"}""", HttpStatusCode.Conflict, "Operation cannot be fulfilled on Pod \\\"web-0\\\": the UID in the bound object reference (00000000-0000-0000-0000-000000000000) does not match the UID in record. The object might have been deleted and then recreated")]
    [TestCase("""{"kind":"ConfigMap","apiVersion":"v1","name":"cm"}""", HttpStatusCode.BadRequest, "cannot bind token to object of type /v1, Kind=ConfigMap")]
    [TestCase("""{"kind":"Deployment","apiVersion":"apps/v1","name":"web"}""", HttpStatusCode.BadRequest, "cannot bind token to object of type apps/v1, Kind=Deployment")]
    [TestCase("""{"kind":"Secret","apiVersion":"v1","name":"missing"}""", HttpStatusCode.NotFound, "secrets \\\"missing\\\" not found")]
    [TestCase("""{"kind":"Node","apiVersion":"v1","name":"missing"}""", HttpStatusCode.NotFound, "nodes \\\"missing\\\" not found")]
    public async Task Create_BadBoundObjectRef_TheRealStatusAndMessage(string boundRef, HttpStatusCode expected, string message)
    {
        _server.CreatePod("apps", "web-0", "web");
        _server.CreatePod("apps", "other-0", "default");

        var (status, body, _) = await RequestAsync("{\"spec\":{\"boundObjectRef\":" + boundRef + "}}");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(expected));
            Assert.That(body, Does.Contain("\"message\":\"" + message + "\""));
        });
    }

    [Test]
    public async Task Create_UnknownServiceAccount_404()
    {
        using var response = await _client.PostAsync(
            new Uri("/api/v1/namespaces/apps/serviceaccounts/ghost/token", UriKind.Relative),
            new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"ghost\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"ghost\",\"kind\":\"serviceaccounts\"},\"code\":404}"));
    }

    [Test]
    public async Task Create_BodyNameDiffersFromUrl_422()
    {
        var (status, body, _) = await RequestAsync("""{"metadata":{"name":"other"},"spec":{}}""");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(body, Does.Contain("\"message\":\"TokenRequest.authentication.k8s.io \\\"web\\\" is invalid: metadata.name: Invalid value: \\\"other\\\": must match the service account name if specified\""));
        });
    }

    [Test]
    public void IssueToken_InProcessError_ThrowsWithStatus()
    {
        var e = Assert.Throws<ApiStatusException>(() => _server.IssueToken("apps", "web", expirationSeconds: 60));

        Assert.Multiple(() =>
        {
            Assert.That(e!.StatusCode, Is.EqualTo(422));
            Assert.That(e.Reason, Is.EqualTo("Invalid"));
            Assert.That(e.Message, Does.EndWith("may not specify a duration less than 10 minutes"));
        });
    }

    private async Task StartAsync(LocalApiServerOptions options)
    {
        _server = await LocalApiServer.StartAsync(options);
        _client = _server.CreateHttpClient(_server.AdminToken);
        _saUid = _server.CreateServiceAccount("apps", "web");
    }

    private async Task RestartAsync(LocalApiServerOptions options)
    {
        await TearDown();
        await StartAsync(options);
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> RequestAsync(string json)
    {
        var response = await _client.PostAsync(
            new Uri("/api/v1/namespaces/apps/serviceaccounts/web/token", UriKind.Relative),
            new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();
}
