using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using OpenTelemetry.Metrics;
using TokenServer;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Samples;

/// <summary>
/// The factors server's OpenTelemetry export: off by default; with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> it sends the
/// Verifier meter over OTLP/HTTP to a receiver on 127.0.0.1 that records what it is sent.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class SampleMetricsExportTests
{
    private const string Namespace = "token-demo";
    private const string ClientAccount = "token-client-test";

    private readonly TempDirectory _directory = new();
    private readonly List<WebApplication> _apps = [];
    private readonly List<byte[]> _received = [];
    private LocalApiServer _api = null!;
    private string _kubeconfig = null!;

    [SetUp]
    public async Task SetUp()
    {
        _api = await LocalApiServer.StartAsync();
        _api.CreateNamespace(Namespace);
        _api.CreateServiceAccount(Namespace, ClientAccount);
        _kubeconfig = Path.Combine(_directory.Path, "kubeconfig");
        _api.WriteKubeconfig(_kubeconfig);
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await _api.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>An OTLP/HTTP metrics receiver: records each export body and answers an empty (successful) response.</summary>
    private async Task<Uri> StartReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (_received)
            {
                _received.Add(body.ToArray());
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        _apps.Add(app);
        await app.StartAsync();
        return new Uri(Address(app));
    }

    private async Task<WebApplication> StartServerAsync(params string[] extraArgs)
    {
        var app = FactorsServer.Build(
            ["--urls=http://127.0.0.1:0", $"--Verifier:ApiServer:KubeconfigPath={_kubeconfig}", "--Verifier:Mode=Local", .. extraArgs],
            builder => builder.Logging.ClearProviders());
        _apps.Add(app);
        await app.StartAsync();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.Services.GetRequiredService<IServiceAccountTokenVerifier>().WaitUntilReadyAsync(ready.Token);
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private async Task<HttpStatusCode> GetFactorsAsync(WebApplication server)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Address(server)), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/factors/360");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _api.IssueToken(Namespace, ClientAccount, ["factors"]));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Test]
    public async Task FactorsServer_NoOtlpEndpoint_RegistersNoMeterProvider()
    {
        var server = await StartServerAsync();

        Assert.That(server.Services.GetService<MeterProvider>(), Is.Null);
    }

    [Test]
    public async Task FactorsServer_OtlpEndpoint_ExportsVerifierMetricsWithSecondBuckets()
    {
        var receiver = await StartReceiverAsync();
        var server = await StartServerAsync($"--OTEL_EXPORTER_OTLP_ENDPOINT={receiver}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf");

        var status = await GetFactorsAsync(server);
        var provider = server.Services.GetRequiredService<MeterProvider>();
        Assert.That(provider.ForceFlush(10_000), Is.True, "the OTLP export succeeded");

        byte[] all;
        lock (_received)
        {
            all = [.. _received.SelectMany(b => b)];
        }

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Contains(all, "verifier.verifications"u8), Is.True, "the Verifier meter was exported");
            Assert.That(Contains(all, "verifier.verification.duration"u8), Is.True);
            Assert.That(Contains(all, "http.server.request.duration"u8), Is.True, "ASP.NET Core hosting metrics too");

            // The histogram's explicit bounds travel as packed little-endian doubles: the advice's first bound, 100 ns, is among them.
            Assert.That(Contains(all, BitConverter.GetBytes(1e-7)), Is.True, "bucket advice reached the OTLP export");
        });
    }
}
