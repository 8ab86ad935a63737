using NUnit.Framework;
using System.Security.Authentication;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Verifier.Cluster;
using Verifier.Testing;

namespace Verifier.Tests.Cluster;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ClusterHttpClientTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs = new();
    private readonly FakeLogCollector _logs = new();
    private TestHttpsServer? _server;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
        _certs.Dispose();
    }

    // Echoes what the API server would see of our request.
    private static Task Echo(HttpContext context) => context.Response.WriteAsync(
        $"path={context.Request.Path};auth={context.Request.Headers.Authorization};ua={context.Request.Headers.UserAgent};" +
        $"client={context.Connection.ClientCertificate?.Subject}");

    private async Task<Uri> StartAsync(bool requireClientCertificate = false, TestCertificates? serverCerts = null)
    {
        var certs = serverCerts ?? _certs;
        _server = await TestHttpsServer.StartAsync(Echo, certs.Server, requireClientCertificate ? _certs.Authority : null);
        return _server.Address;
    }

    private string Kubeconfig(Uri server, string clusterExtra, string user) => _dir.Write("config", $"""
        apiVersion: v1
        kind: Config
        current-context: c
        clusters:
        - name: k
          cluster:
            server: {server}
        {clusterExtra}
        contexts:
        - name: c
          context:
            cluster: k
            user: u
        users:
        - name: u
          user:
        {user}
        """);

    [Test]
    public async Task Get_ClusterCa_TrustsServerSendsBearerAndUserAgent()
    {
        var address = await StartAsync();
        var token = _dir.Write("token", "reviewer-token");
        using var services = ClusterTestServices.Build(o =>
        {
            o.Server = address;
            o.CertificateAuthorityData = _certs.AuthorityPem;
            o.TokenFile = token;
        }, logs: _logs);

        var body = await services.CreateClient().GetStringAsync(new Uri("/openid/v1/jwks", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Contain("path=/openid/v1/jwks;"));
            Assert.That(body, Does.Contain("auth=Bearer reviewer-token;"));
            Assert.That(body, Does.Match("ua=Verifier/[0-9]"));
            Assert.That(_logs.GetSnapshot(), Has.Some.Matches<FakeLogRecord>(e => e!.Id.Id == 1400 && e.Message.Contains("1 cluster CA", StringComparison.Ordinal)));
        });
    }

    [Test]
    public async Task Get_NoCaGiven_SystemStoreRejectsClusterCertificate()
    {
        var address = await StartAsync();
        using var services = ClusterTestServices.Build(o => o.Server = address);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => services.CreateClient().GetStringAsync(new Uri("/version", UriKind.Relative)));

        Assert.That(ex!.InnerException, Is.InstanceOf<AuthenticationException>());
    }

    [Test]
    public async Task Get_OtherClustersCa_Rejected()
    {
        var address = await StartAsync();
        using var otherCluster = new TestCertificates("other-cluster-ca");
        using var services = ClusterTestServices.Build(o =>
        {
            o.Server = address;
            o.CertificateAuthorityData = otherCluster.AuthorityPem;
        });

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => services.CreateClient().GetStringAsync(new Uri("/version", UriKind.Relative)));

        Assert.That(ex!.InnerException, Is.InstanceOf<AuthenticationException>());
    }

    [Test]
    public async Task Get_KubeconfigClientCertificate_PresentedForMutualTls()
    {
        var address = await StartAsync(requireClientCertificate: true);
        var kubeconfig = Kubeconfig(address,
            $"    certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(_certs.AuthorityPem))}",
            $"    client-certificate-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(_certs.ClientCertificatePem))}\n" +
            $"    client-key-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(_certs.ClientKeyPem))}");
        using var services = ClusterTestServices.Build(o => o.KubeconfigPath = kubeconfig);

        var body = await services.CreateClient().GetStringAsync(new Uri("/version", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Contain("client=CN=system:serviceaccount:token-demo:token-reviewer"));
            Assert.That(body, Does.Contain("auth=;"), "no bearer token with a client certificate only");
        });
    }

    [Test]
    public async Task Get_KubeconfigInsecureSkipTlsVerify_ConnectsAndWarnsLoudly()
    {
        var address = await StartAsync();
        var kubeconfig = Kubeconfig(address, "    insecure-skip-tls-verify: true", "    token: kube-token");
        using var services = ClusterTestServices.Build(o => o.KubeconfigPath = kubeconfig, logs: _logs);

        var body = await services.CreateClient().GetStringAsync(new Uri("/version", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Contain("auth=Bearer kube-token;"));
            var warning = _logs.GetSnapshot().SingleOrDefault(e => e.Id.Id == 1401);
            Assert.That(warning, Is.Not.Null);
            Assert.That(warning!.Level, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
            Assert.That(warning.Message, Does.Contain("INSECURE").And.Contain("insecure-skip-tls-verify"));
            Assert.That(_logs.GetSnapshot(), Has.None.Matches<FakeLogRecord>(e => e!.Message.Contains("kube-token", StringComparison.Ordinal)));
        });
    }

    [Test]
    public async Task Get_TokenFileRotates_NewTokenAfterRereadInterval()
    {
        var address = await StartAsync();
        var token = _dir.Write("token", "token-1");
        var time = new ManualTimeProvider();
        using var services = ClusterTestServices.Build(o =>
        {
            o.Server = address;
            o.CertificateAuthorityData = _certs.AuthorityPem;
            o.TokenFile = token;
        }, time);
        var client = services.CreateClient();

        var first = await client.GetStringAsync(new Uri("/a", UriKind.Relative));
        File.WriteAllText(token, "token-2");
        var beforeInterval = await services.CreateClient().GetStringAsync(new Uri("/b", UriKind.Relative));
        time.Advance(TimeSpan.FromMinutes(1));
        var afterInterval = await services.CreateClient().GetStringAsync(new Uri("/c", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Contain("auth=Bearer token-1;"));
            Assert.That(beforeInterval, Does.Contain("auth=Bearer token-1;"), "the token file is shared across clients and re-read at most every interval");
            Assert.That(afterInterval, Does.Contain("auth=Bearer token-2;"));
        });
    }

    [Test]
    public async Task Get_KubectlProxyOverHttp_NoCredentialNeeded()
    {
        _server = await TestHttpsServer.StartAsync(Echo);
        using var services = ClusterTestServices.Build(o => o.Server = _server.Address);

        var body = await services.CreateClient().GetStringAsync(new Uri("/openid/v1/jwks", UriKind.Relative));

        Assert.That(body, Does.Contain("path=/openid/v1/jwks;auth=;"));
    }

    [Test]
    public void CreateClient_NoApiServerConfigured_NoBaseAddress()
    {
        using var services = ClusterTestServices.Build(_ => { });

        Assert.Multiple(() =>
        {
            Assert.That(services.GetRequiredService<IClusterConnectionProvider>().Connection, Is.Null);
            Assert.That(services.CreateClient().BaseAddress, Is.Null, "the key source reports a missing API server in its own terms");
            var ex = Assert.Throws<ClusterConfigurationException>(() => services.GetRequiredService<ClusterConnectionProvider>().RequireConnection());
            Assert.That(ex!.Message, Does.Contain("kubectl proxy"));
        });
    }

    [Test]
    public void CreateClient_BrokenKubeconfig_ThrowsConfigurationError()
    {
        using var services = ClusterTestServices.Build(o => o.KubeconfigPath = Path.Combine(_dir.Path, "missing-kubeconfig"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => services.CreateClient());

        Assert.That(ex!.Message, Does.Contain("ApiServer:KubeconfigPath"));
    }

    [Test]
    public void AddClusterConnection_Twice_OneRegistrationOneUserAgent()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(TimeProvider.System);
        services.Configure<KubernetesTokenVerifierOptions>(o => o.ApiServer.Server = new Uri("http://127.0.0.1:8001"));
        services.AddClusterConnection();
        services.AddClusterConnection();
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ClusterHttpClient.Name);

        Assert.Multiple(() =>
        {
            Assert.That(client.DefaultRequestHeaders.UserAgent, Has.Count.EqualTo(1));
            Assert.That(client.BaseAddress, Is.EqualTo(new Uri("http://127.0.0.1:8001/")));
            Assert.That(client.Timeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(client.MaxResponseContentBufferSize, Is.EqualTo(1024 * 1024));
            Assert.That(services.Count(d => d.ServiceType == typeof(IClusterConnectionProvider)), Is.EqualTo(1));
        });
    }
}
