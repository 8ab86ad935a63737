using NUnit.Framework;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Verifier.Cluster;
using Verifier.Testing;
using Bench.Compare;
using Bench.Compare.Resources;

namespace Verifier.Tests.Cluster;

/// <summary>
/// How <see cref="KubernetesApiClient"/> turns what comes over the wire into results: Status bodies, Retry-After,
/// the size cap, timeouts and dead servers. The server here answers with fixed bytes, because these are transport
/// properties; the API server's own semantics are tested against LocalApiServer.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesApiClientTransportTests : IAsyncDisposable
{
    private readonly TestCertificates _certs = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private TestHttpsServer? _server;
    private ServiceProvider? _services;

    public async ValueTask DisposeAsync()
    {
        _services?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _certs.Dispose();
    }

    private async Task<KubernetesApiClient> ClientFor(RequestDelegate handler, Action<ApiServerOptions>? configure = null)
    {
        _server = await TestHttpsServer.StartAsync(handler, _certs.Server);
        _services = ClusterTestServices.Build(o =>
        {
            o.Server = _server.Address;
            o.CertificateAuthorityData = _certs.AuthorityPem;
            configure?.Invoke(o);
        }, _time);
        return _services.GetRequiredService<KubernetesApiClient>();
    }

    private static RequestDelegate Respond(int status, string body, string contentType = "application/json", Action<HttpResponse>? headers = null) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        headers?.Invoke(context.Response);
        await context.Response.WriteAsync(body);
    };

    [Test]
    public async Task CreateTokenReview_AuthenticatedAbsent_FalseWithError()
    {
        // The failure shape from kube-apiserver: authenticated omitted (omitempty), user {}, audiences absent.
        var client = await ClientFor(Respond(201, """
            {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},
             "spec":{"token":"x.y.z","audiences":["factors"]},
             "status":{"user":{},"error":"[invalid bearer token, service account token has been invalidated]"}}
            """));

        var result = await client.CreateTokenReviewAsync("x.y.z", ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(result.Value!.Status!.Authenticated, Is.False);
            Assert.That(result.Value.Status.Audiences, Is.Null);
            Assert.That(result.Value.Status.Error, Does.Contain("has been invalidated"));
        });
    }

    [Test]
    public async Task CreateTokenReview_RequestBody_IsTheKubernetesShape()
    {
        string? received = null;
        var client = await ClientFor(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            received = await reader.ReadToEndAsync();
            context.Response.StatusCode = 201;
            await context.Response.WriteAsync("""{"status":{"authenticated":true,"user":{"username":"system:serviceaccount:a:b"},"audiences":["factors"]}}""");
        });

        var result = await client.CreateTokenReviewAsync("x.y.z", ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(received, Is.EqualTo("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"x.y.z","audiences":["factors"]}}"""));
            Assert.That(result.Value!.Status!.Authenticated, Is.True);
            Assert.That(result.Value.Status.User!.Username, Is.EqualTo("system:serviceaccount:a:b"));
        });
    }

    [Test]
    public async Task Send_ForbiddenStatus_CredentialRejectedWithStatusMessage()
    {
        var client = await ClientFor(Respond(403, """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"tokenreviews.authentication.k8s.io is forbidden: User \"system:serviceaccount:token-demo:token-client-test\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope","reason":"Forbidden","details":{"group":"authentication.k8s.io","kind":"tokenreviews"},"code":403}
            """));

        var result = await client.CreateTokenReviewAsync("x.y.z", null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Forbidden));
            Assert.That(result.Error.StatusCode, Is.EqualTo(403));
            Assert.That(result.Error.Reason, Is.EqualTo("Forbidden"));
            Assert.That(result.Error.Message, Does.StartWith("tokenreviews.authentication.k8s.io is forbidden"));
            Assert.That(result.Error.IsCredentialRejected, Is.True);
            Assert.That(result.Error.IsTransient, Is.False);
        });
    }

    [Test]
    public async Task Send_TooManyRequestsWithDeltaSeconds_TransientWithRetryAfter()
    {
        var client = await ClientFor(Respond(429, """{"kind":"Status","message":"Too many requests, please try again later.","reason":"TooManyRequests","code":429}""",
            headers: r => r.Headers.RetryAfter = "7"));

        var result = await client.CreateTokenReviewAsync("x.y.z", null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.TooManyRequests));
            Assert.That(result.Error.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(result.Error.IsTransient, Is.True);
            Assert.That(result.Error.IsCredentialRejected, Is.False);
        });
    }

    [Test]
    public async Task Send_ServiceUnavailableWithHttpDate_RetryAfterRelativeToClock()
    {
        var client = await ClientFor(Respond(503, "upstream connect error\nor disconnect", "text/plain",
            r => r.Headers.RetryAfter = "Thu, 01 Jan 2026 00:00:30 GMT"));

        var result = await client.GetPodAsync("token-demo", "web-0", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.ServerError));
            Assert.That(result.Error.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(result.Error.Message, Is.EqualTo("upstream connect error or disconnect"), "plain-text body as one line");
        });
    }

    [TestCase(401, "Unauthorized")]
    [TestCase(404, "NotFound")]
    [TestCase(409, "Conflict")]
    [TestCase(422, "Invalid")]
    [TestCase(400, "BadRequest")]
    [TestCase(500, "ServerError")]
    [TestCase(302, "InvalidResponse")]
    public async Task Send_StatusCode_Kind(int status, string expected)
    {
        var client = await ClientFor(Respond(status, $$"""{"kind":"Status","message":"m{{status}}","reason":"R","code":{{status}}}"""));

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind.ToString(), Is.EqualTo(expected));
            Assert.That(result.Error.Message, Is.EqualTo($"m{status}"));
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Send_BodyLargerThanCap_InvalidResponse(bool withContentLength)
    {
        var big = "{\"metadata\":{\"name\":\"" + new string('a', 5000) + "\"}}";
        var client = await ClientFor(async context =>
        {
            if (withContentLength)
            {
                context.Response.ContentLength = big.Length;
            }

            await context.Response.WriteAsync(big);
        }, o => o.MaxResponseBytes = 1024);

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.InvalidResponse));
            Assert.That(result.Error.Message, Does.Contain("MaxResponseBytes"));
        });
    }

    [Test]
    public async Task Send_BodyJustUnderCap_Succeeds()
    {
        var body = "{\"metadata\":{\"name\":\"" + new string('a', 1000) + "\"}}";
        var client = await ClientFor(Respond(200, body), o => o.MaxResponseBytes = body.Length);

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.That(result.Value!.Metadata!.Name, Has.Length.EqualTo(1000));
    }

    [Test]
    public async Task Send_NotJson_InvalidResponse()
    {
        var client = await ClientFor(Respond(200, "<html>login</html>", "text/html"));

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.InvalidResponse));
    }

    [Test]
    public async Task Send_SlowServer_Timeout()
    {
        var client = await ClientFor(async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted),
            o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Timeout));
            Assert.That(result.Error.IsTransient, Is.True);
        });
    }

    [Test]
    public async Task Send_CallerCancels_Throws()
    {
        var client = await ClientFor(async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.That(async () => await client.GetPodAsync("ns", "p", cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Send_ServerGone_Unreachable()
    {
        var client = await ClientFor(Respond(200, "{}"));
        await _server!.DisposeAsync();
        _server = null;

        var result = await client.GetPodAsync("ns", "p", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Unreachable));
            Assert.That(result.Error.StatusCode, Is.Null);
            Assert.That(result.Error.IsTransient, Is.True);
        });
    }
}
