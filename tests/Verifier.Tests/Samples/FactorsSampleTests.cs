using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TokenClient;
using TokenServer;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Samples;

/// <summary>
/// The factors example end to end: LocalApiServer (real HTTPS on 127.0.0.1), the TokenServer sample on Kestrel at
/// 127.0.0.1 in its default mode (hybrid: keys plus TokenReview liveness, as deployed), and the TokenClient sample
/// getting its token by TokenRequest or from a projected-token file and calling the server through
/// ServiceAccountTokenHandler. The API server and the token server share a manual clock that starts now (the client
/// checks token lifetimes against the real clock).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FactorsSampleTests
{
    private const string Namespace = "token-demo";
    private const string ClientAccount = "token-client-test";
    private const string OtherAccount = "intruder";
    private const string Factors360 = "{\"n\":360,\"factors\":[2,2,2,3,3,5],\"caller\":\"system:serviceaccount:token-demo:token-client-test\"}";

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<WebApplication> _servers = [];
    private LocalApiServer _api = null!;
    private string _kubeconfig = null!;
    private Uri _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _api = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = _time });
        _api.CreateNamespace(Namespace);
        _api.CreateServiceAccount(Namespace, ClientAccount);
        _api.CreateServiceAccount(Namespace, OtherAccount);
        _api.CreatePod(Namespace, "token-client-0", ClientAccount);
        _kubeconfig = Path.Combine(_directory.Path, "kubeconfig");
        _api.WriteKubeconfig(_kubeconfig);
        _server = await StartServerAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var server in _servers)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }

        await _api.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<Uri> StartServerAsync(params string[] extraArgs)
    {
        var app = FactorsServer.Build(
            ["--urls=http://127.0.0.1:0", $"--Verifier:ApiServer:KubeconfigPath={_kubeconfig}", .. extraArgs],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<TimeProvider>(_time);
            });
        _servers.Add(app);
        await app.StartAsync();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.Services.GetRequiredService<Verifier.IServiceAccountTokenVerifier>().WaitUntilReadyAsync(ready.Token);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private static async Task<(int ExitCode, string Output)> RunClientAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exitCode = await FactorsClient.RunAsync(args, builder => builder.Logging.ClearProviders(), output, timeout.Token);
        return (exitCode, output.ToString());
    }

    private string[] TokenRequestClient(string serviceAccount = ClientAccount, string? audience = null, Uri? server = null) =>
    [
        $"--TokenClient:ServerUrl={server ?? _server}",
        "--TokenClient:Count=1",
        $"--TokenClient:TokenRequest:Namespace={Namespace}",
        $"--TokenClient:TokenRequest:ServiceAccountName={serviceAccount}",
        $"--TokenClient:TokenRequest:ApiServer:KubeconfigPath={_kubeconfig}",
        .. audience is null ? Array.Empty<string>() : [$"--TokenClient:TokenRequest:Audiences:0={audience}"],
    ];

    [Test]
    public async Task Client_TokenRequest_Gets200WithFactors()
    {
        var (exitCode, output) = await RunClientAsync(TokenRequestClient());

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("/factors/360 -> 200 " + Factors360));
        });
    }

    [Test]
    public async Task Client_ProjectedTokenFile_Gets200WithFactors()
    {
        var token = _api.IssueToken(Namespace, ClientAccount, ["factors"], 600, BoundObjectRef.Pod("token-client-0"));
        var tokenPath = _directory.Write("tokens/factor-token", token);

        var (exitCode, output) = await RunClientAsync($"--TokenClient:ServerUrl={_server}", "--TokenClient:Count=1", $"--TokenClient:TokenPath={tokenPath}");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("-> 200 " + Factors360));
        });
    }

    [Test]
    public async Task Client_TokenForWrongAudience_Gets401()
    {
        var (exitCode, output) = await RunClientAsync(TokenRequestClient(audience: "other"));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Does.Contain("/factors/360 -> 401"));
        });
    }

    [Test]
    public async Task Client_ServiceAccountNotAllowed_Gets403()
    {
        var (exitCode, output) = await RunClientAsync(TokenRequestClient(OtherAccount));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Does.Contain("/factors/360 -> 403"));
        });
    }

    [Test]
    public async Task Client_LocalSwitchWithNumber_UsesKubeconfigAndLaterSwitchesWin()
    {
        var (exitCode, output) = await RunClientAsync("--local", _kubeconfig, $"--TokenClient:ServerUrl={_server}", "12");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("/factors/12 -> 200 {\"n\":12,\"factors\":[2,2,3],\"caller\":\"system:serviceaccount:token-demo:token-client-test\"}"));
        });
    }

    [Test]
    public async Task Client_NoProjectedToken_ReportsFailureWithoutCalling()
    {
        var (exitCode, output) = await RunClientAsync($"--TokenClient:ServerUrl={_server}", "--TokenClient:Count=1", $"--TokenClient:TokenPath={Path.Combine(_directory.Path, "missing")}");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output, Does.Contain("failed: ServiceAccountTokenException"));
        });
    }

    [Test]
    public async Task Server_AllowedServiceAccountsFromCommaSeparatedSetting_ReplacesDefault()
    {
        var server = await StartServerAsync($"--TokenServer:AllowedServiceAccounts={Namespace}/{OtherAccount}, ops/runner");

        var intruder = await RunClientAsync(TokenRequestClient(OtherAccount, server: server));
        var client = await RunClientAsync(TokenRequestClient(server: server));

        Assert.Multiple(() =>
        {
            Assert.That(intruder.Output, Does.Contain("-> 200 {\"n\":360,\"factors\":[2,2,2,3,3,5],\"caller\":\"system:serviceaccount:token-demo:intruder\"}"));
            Assert.That(client.Output, Does.Contain("-> 403"));
        });
    }

    [Test]
    public async Task Server_HealthAndErrors()
    {
        using var http = new HttpClient { BaseAddress = _server };
        using var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        using var live = await http.GetAsync(new Uri("/healthz/live", UriKind.Relative));
        using var anonymous = await http.GetAsync(new Uri("/factors/12", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/factors/0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _api.IssueToken(Namespace, ClientAccount, ["factors"]));
        using var zero = await http.SendAsync(request);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await ready.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(anonymous.Headers.WwwAuthenticate.Single().ToString(), Is.EqualTo("Bearer"));
            Assert.That(zero.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        });
    }

    [Test]
    public async Task Server_DefaultHybridMode_RefusesTokenOfDeletedPodOnceLivenessTtlPassed()
    {
        using var http = new HttpClient { BaseAddress = _server };
        var token = _api.IssueToken(Namespace, ClientAccount, ["factors"], 600, BoundObjectRef.Pod("token-client-0"));

        var whilePodLives = await GetFactorsAsync(http, token);
        _api.DeletePod(Namespace, "token-client-0", TimeSpan.Zero);
        var withinTtl = await GetFactorsAsync(http, token);
        _time.Advance(TimeSpan.FromSeconds(11));
        var afterTtl = await GetFactorsAsync(http, token);

        Assert.Multiple(() =>
        {
            Assert.That(whilePodLives.Status, Is.EqualTo(HttpStatusCode.OK));

            // Hybrid trusts a confirmed binding for Verifier:Hybrid:LivenessTtl (10 s, kube-apiserver's own cache TTL).
            Assert.That(withinTtl.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(afterTtl.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(afterTtl.Challenge, Is.EqualTo("Bearer error=\"invalid_token\", error_description=\"binding_invalidated\""));
        });
    }

    private static async Task<(HttpStatusCode Status, string? Challenge)> GetFactorsAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/factors/360");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Headers.WwwAuthenticate.SingleOrDefault()?.ToString());
    }

    [TestCase(1L, new long[0])]
    [TestCase(2L, new long[] { 2 })]
    [TestCase(360L, new long[] { 2, 2, 2, 3, 3, 5 })]
    [TestCase(999_983L, new long[] { 999_983 })]
    [TestCase(1_000_000_000_000L, new long[] { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 })]
    public void Factor_KnownValues(long n, long[] expected)
    {
        Assert.That(Factorizer.Factor(n), Is.EqualTo(expected));
    }
}
