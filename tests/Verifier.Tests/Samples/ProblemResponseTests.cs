using System.Net;
using System.Text.Json.Nodes;
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
/// The token server's refusals carry an RFC 9457 body naming the reason class (never the token), and the client
/// prints it: <c>-> 401 invalid_token: wrong_audience</c>. Before, 401/403 had an empty body and the client printed
/// <c>-> 401 </c> with no reason.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ProblemResponseTests
{
    private readonly TempDirectory _directory = new();
    private LocalApiServer _api = null!;
    private WebApplication _app = null!;
    private Uri _server = null!;
    private string _kubeconfig = null!;

    [SetUp]
    public async Task SetUp()
    {
        _api = await LocalApiServer.StartAsync();
        _api.CreateNamespace("token-demo");
        _api.CreateServiceAccount("token-demo", "token-client-test");
        _api.CreateServiceAccount("token-demo", "intruder");
        _kubeconfig = Path.Combine(_directory.Path, "kubeconfig");
        _api.WriteKubeconfig(_kubeconfig);
        _app = FactorsServer.Build(["--urls=http://127.0.0.1:0", $"--Verifier:ApiServer:KubeconfigPath={_kubeconfig}"], b => b.Logging.ClearProviders());
        await _app.StartAsync();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _app.Services.GetRequiredService<Verifier.IServiceAccountTokenVerifier>().WaitUntilReadyAsync(ready.Token);
        _server = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [TearDown]
    public async Task TearDown()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _api.DisposeAsync();
        _directory.Dispose();
    }

    [TestCase("token-client-test", "other", HttpStatusCode.Unauthorized, "invalid_token", "wrong_audience")]
    [TestCase("intruder", "factors", HttpStatusCode.Forbidden, "forbidden", "service account token-demo/intruder is not in TokenServer:AllowedServiceAccounts")]
    public async Task Factors_RefusedToken_ProblemJsonWithReasonClassNeverTheToken(string account, string audience, HttpStatusCode status, string title, string detail)
    {
        var token = _api.IssueToken("token-demo", account, [audience]);
        using var http = new HttpClient { BaseAddress = _server };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/factors/360");
        request.Headers.Authorization = new("Bearer", token);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        var problem = JsonNode.Parse(body)!;
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(status));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)status));
            Assert.That(problem["title"]!.GetValue<string>(), Is.EqualTo(title));
            Assert.That(problem["detail"]!.GetValue<string>(), Is.EqualTo(detail));
            Assert.That(problem["type"]!.GetValue<string>(), Does.StartWith("https://www.rfc-editor.org/rfc/"));
            Assert.That(body, Does.Not.Contain(token).And.Not.Contain(token.Split('.')[2]), "never the token or its signature");
        });
    }

    [Test]
    public async Task Client_WrongAudience_PrintsTitleAndDetail()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var exitCode = await FactorsClient.RunAsync(
            [
                $"--TokenClient:ServerUrl={_server}", "--TokenClient:Count=1", "--TokenClient:TokenRequest:Namespace=token-demo",
                "--TokenClient:TokenRequest:ServiceAccountName=token-client-test", $"--TokenClient:TokenRequest:ApiServer:KubeconfigPath={_kubeconfig}",
                "--TokenClient:TokenRequest:Audiences:0=other",
            ],
            b => b.Logging.ClearProviders(), output, timeout.Token);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(output.ToString(), Does.Contain("/factors/360 -> 401 invalid_token: wrong_audience"));
        });
    }
}
