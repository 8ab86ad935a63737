using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier.Client;
using Verifier.Cluster;
using Verifier.Keys;
using Verifier.Testing;

namespace Verifier.Tests.Cluster;

/// <summary>
/// Issue 12, defect 4: with Trace logging on, no named HttpClient the library creates or puts a credential on logs
/// a bearer token, neither in a message nor in structured state (IHttpClientFactory's header state is not redacted
/// by <c>RedactLoggedHeaders</c>).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CredentialLoggingTests
{
    private readonly TempDirectory _dir = new();
    private LocalApiServer _server = null!;

    [SetUp]
    public async Task SetUp() => _server = await LocalApiServer.StartAsync();

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    public async Task NamedClients_TraceLoggingOn_NoTokenInAnyMessageOrStateValue()
    {
        _server.CreateNamespace("apps");
        _server.CreateServiceAccount("apps", "web");
        var caFile = _dir.Write("ca.crt", _server.CaCertificatePem);
        var adminTokenFile = _dir.Write("admin-token", _server.AdminToken);
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add("factors");
            o.ApiServer.Server = _server.BaseAddress;
            o.ApiServer.CertificateAuthorityFile = caFile;
            o.ApiServer.TokenFile = adminTokenFile;
        });
        services.AddHttpClient("factors", c => c.BaseAddress = _server.BaseAddress)
            .ConfigurePrimaryHttpMessageHandler(() => TestCertificates.TrustingHandler(_server.CaCertificate))
            .AddServiceAccountToken(o => o.TokenRequest = new TokenRequestSourceOptions
            {
                Namespace = "apps",
                ServiceAccountName = "web",
                Audiences = ["factors"],
                ApiServer = new ApiServerOptions { Server = _server.BaseAddress, CertificateAuthorityFile = caFile, TokenFile = adminTokenFile },
            });
        await using var provider = services.BuildServiceProvider();
        var clients = provider.GetRequiredService<IHttpClientFactory>();

        // The verifier's own client (keys, TokenReview), the client side's TokenRequest client (through the source),
        // the workload's client carrying the requested token, and the public-issuer client with a header set by hand.
        using (var response = await clients.CreateClient(ClusterHttpClient.Name).GetAsync(new Uri("openid/v1/jwks", UriKind.Relative)))
        {
            Assert.That(response.IsSuccessStatusCode, Is.True, "the API server client authenticates");
        }

        string? sentToken;
        var workloadToken = await provider.GetRequiredKeyedService<IServiceAccountTokenSource>("factors").GetTokenAsync();
        using (var response = await clients.CreateClient("factors").GetAsync(new Uri("/version", UriKind.Relative)))
        {
            // The API server refuses a token for another audience (the handler then renews it once): what matters is
            // the header that went out.
            sentToken = response.RequestMessage?.Headers.Authorization?.Parameter;
            Assert.That(sentToken, Is.Not.Null);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "/openid/v1/jwks")))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.AdminToken);
            request.Headers.ProxyAuthorization = new AuthenticationHeaderValue("Basic", "cHJveHktc2VjcmV0");

            // Not trusted (system store only): the request fails in the TLS handshake, after its headers were logged.
            Assert.That(async () => await clients.CreateClient(PublicIssuerHttpClient.Name).SendAsync(request), Throws.InstanceOf<HttpRequestException>());
        }

        var entries = logs.GetSnapshot();
        var tokenRequestClient = ClusterHttpClient.Name + ".TokenRequest.factors";
        Assert.Multiple(() =>
        {
            foreach (var name in new[] { ClusterHttpClient.Name, tokenRequestClient, "factors", PublicIssuerHttpClient.Name })
            {
                foreach (var position in new[] { "ClientHandler", "LogicalHandler" })
                {
                    var category = $"System.Net.Http.HttpClient.{name}.{position}";
                    Assert.That(entries.Where(e => e.Category == category && e.Level == LogLevel.Trace && e.Id.Id == 102).Select(e => e.Message),
                        Is.Not.Empty, $"{category} logs request headers at Trace");
                }

                Assert.That(entries.Where(e => e.Category == $"System.Net.Http.HttpClient.{name}.ClientHandler" && e.Id.Id == 102).Select(e => e.Message),
                    Has.Some.Contains("Authorization: *"), $"{name} redacts, and does not drop, the header");
            }

            foreach (var secret in new[] { _server.AdminToken, workloadToken, sentToken!, "cHJveHktc2VjcmV0" })
            {
                var leaks = entries.Where(e => Texts(e).Any(t => t.Contains(secret, StringComparison.Ordinal))).Select(e => $"{e.Category} {e.Id.Id}").ToList();
                Assert.That(leaks, Is.Empty, "a credential in a log message or structured state");
            }
        });
    }

    [Test]
    public async Task ClusterClient_CallerAlsoRedactsItsOwnHeader_BothRedacted()
    {
        var caFile = _dir.Write("ca.crt", _server.CaCertificatePem);
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add("factors");
            o.ApiServer.Server = _server.BaseAddress;
            o.ApiServer.CertificateAuthorityFile = caFile;
        });

        // RedactLoggedHeaders replaces the predicate; the credential headers stay redacted on top of the caller's.
        services.AddHttpClient(ClusterHttpClient.Name).RedactLoggedHeaders(["X-Tenant-Secret"]);
        await using var provider = services.BuildServiceProvider();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("version", UriKind.Relative));
        request.Headers.Add("X-Tenant-Secret", "tenant-secret-value");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.AdminToken);

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClusterHttpClient.Name).SendAsync(request);

        var texts = logs.GetSnapshot().SelectMany(Texts).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(texts, Has.Some.Contains("X-Tenant-Secret: *"));
            Assert.That(texts, Has.None.Contains("tenant-secret-value"));
            Assert.That(texts, Has.None.Contains(_server.AdminToken));
        });
    }

    /// <summary>
    /// Everything of a record a structured-logging provider would store: the message, the exception, every state key
    /// and value (FakeLogger renders an enumerable value item by item, e.g. a header list), and every scope's values.
    /// </summary>
    private static IEnumerable<string> Texts(FakeLogRecord record)
    {
        yield return record.Message;
        yield return record.Exception?.ToString() ?? "";
        foreach (var (key, value) in record.StructuredState ?? [])
        {
            yield return key;
            yield return value ?? "";
        }

        foreach (var scope in record.Scopes)
        {
            yield return scope?.ToString() ?? "";
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    yield return key;
                    yield return value is System.Collections.IEnumerable items and not string
                        ? string.Join(", ", items.Cast<object?>())
                        : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                }
            }
        }
    }
}
