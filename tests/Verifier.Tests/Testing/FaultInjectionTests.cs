using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>Every fault type, per endpoint, as a raw HTTPS client sees it; and the counters that record them.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FaultInjectionTests
{
    private static readonly Uri Jwks = new("/openid/v1/jwks", UriKind.Relative);
    private static readonly Uri Discovery = new("/.well-known/openid-configuration", UriKind.Relative);
    private LocalApiServer _server = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        _client = _server.CreateHttpClient(_server.AdminToken);
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Delay_AddsLatencyBeforeTheNormalAnswer()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Delay(TimeSpan.FromMilliseconds(300)));

        var started = TimeProvider.System.GetTimestamp();
        using var response = await _client.GetAsync(Jwks);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            // .NET timers run on a millisecond tick and may fire up to a tick early against the Stopwatch (seen:
            // 299.27 ms); an answer without the fault takes a few milliseconds, so 290 ms still proves the delay.
            Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290)));
        });
    }

    [Test]
    public async Task Hang_ClientTimeoutEndsItAndIsCountedAsClientClosed()
    {
        _server.Faults.Set(ApiEndpoint.OidcDiscovery, ApiFault.Hang());
        _client.Timeout = TimeSpan.FromMilliseconds(300);

        Assert.That(async () => await _client.GetAsync(Discovery), Throws.InstanceOf<TaskCanceledException>());
        await Eventually.WaitUntil(() => _server.Counters.Count(ApiEndpoint.OidcDiscovery, 499) == 1, "the dropped request is counted as 499");

        Assert.Multiple(() =>
        {
            Assert.That(_server.Counters.Count(ApiEndpoint.OidcDiscovery), Is.EqualTo(1), "nothing else is counted for the abandoned request");
        });
    }

    [Test]
    public async Task InternalError_500WithStatusBody()
    {
        _server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.InternalError());

        using var response = await _client.PostAsync(new Uri("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative), new StringContent("{}"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(body["kind"]!.GetValue<string>(), Is.EqualTo("Status"));
            Assert.That(body["reason"]!.GetValue<string>(), Is.EqualTo("InternalError"));
            Assert.That(body["code"]!.GetValue<int>(), Is.EqualTo(500));
            Assert.That(_server.Counters.Count(ApiEndpoint.TokenReview, 500), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task TooManyRequests_429WithRetryAfterHeaderAndDetails()
    {
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.TooManyRequests(TimeSpan.FromSeconds(7)));

        using var response = await _client.PostAsync(new Uri("/api/v1/namespaces/default/serviceaccounts/default/token", UriKind.Relative), new StringContent("{}"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(response.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(body["reason"]!.GetValue<string>(), Is.EqualTo("TooManyRequests"));
            Assert.That(body["details"]!["retryAfterSeconds"]!.GetValue<int>(), Is.EqualTo(7));
            Assert.That(_server.Counters.Count(ApiEndpoint.TokenRequest, 429), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Unavailable_DiscoveryDownWhileJwksStillServes()
    {
        _server.Faults.Set(ApiEndpoint.OidcDiscovery, ApiFault.Unavailable());

        using var discovery = await _client.GetAsync(Discovery);
        using var jwks = await _client.GetAsync(Jwks);

        Assert.Multiple(() =>
        {
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(discovery.Headers.RetryAfter, Is.Null);
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task NotFound_DiscoveryRoutesAbsent()
    {
        _server.Faults.SetKeyEndpoints(ApiFault.NotFound());

        using var discovery = await _client.GetAsync(Discovery);
        using var jwks = await _client.GetAsync(Jwks);

        Assert.Multiple(() =>
        {
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Drop_ConnectionAbortedAndCountedAsZero()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Drop());

        Assert.That(async () => await _client.GetAsync(Jwks), Throws.InstanceOf<HttpRequestException>());

        Assert.That(_server.Counters.Count(ApiEndpoint.Jwks, ApiCounters.DroppedConnection), Is.EqualTo(1));
    }

    [Test]
    public async Task MalformedJwks_200WithTruncatedBodyAndRealHeaders()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.MalformedJwks());

        using var response = await _client.GetAsync(Jwks);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/jwk-set+json"));
            Assert.That(() => JsonNode.Parse(body), Throws.InstanceOf<System.Text.Json.JsonException>());
        });
    }

    [Test]
    public async Task EmptyJwks_NoKeys()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.EmptyJwks());

        Assert.That(await _client.GetStringAsync(Jwks), Is.EqualTo("{\"keys\":[]}"));
    }

    [Test]
    public async Task Times_FaultClearsItselfAfterThatManyRequests()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Unavailable() with { Times = 2 });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.GetAsync(Jwks);
            statuses.Add(response.StatusCode);
        }

        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK }));
            Assert.That(_server.Faults.Get(ApiEndpoint.Jwks), Is.Null);
        });
    }

    [Test]
    public async Task ClearAll_RemovesEveryFault()
    {
        _server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Drop());
        _server.Faults.Set(ApiEndpoint.OidcDiscovery, ApiFault.Drop());

        _server.Faults.ClearAll();
        using var jwks = await _client.GetAsync(Jwks);
        using var discovery = await _client.GetAsync(Discovery);

        Assert.Multiple(() =>
        {
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(discovery.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Counters_ByEndpointAndStatus_ResetClearsThem()
    {
        using (await _client.GetAsync(Jwks))
        using (await _client.GetAsync(Jwks))
        using (await _client.GetAsync(new Uri("/api", UriKind.Relative)))
        using (await _client.GetAsync(new Uri("/openid/v1/jwks/foo", UriKind.Relative)))
        {
        }

        var jwks = _server.Counters.ByStatus(ApiEndpoint.Jwks);
        var other = _server.Counters.ByStatus(ApiEndpoint.Other);
        var total = _server.Counters.Total;
        _server.Counters.Reset();

        Assert.Multiple(() =>
        {
            Assert.That(jwks, Is.EqualTo(new Dictionary<int, long> { [200] = 2 }));
            Assert.That(other, Is.EqualTo(new Dictionary<int, long> { [200] = 1, [404] = 1 }));
            Assert.That(total, Is.EqualTo(4));
            Assert.That(_server.Counters.Total, Is.Zero);
        });
    }
}
