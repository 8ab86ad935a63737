using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Verifier.Cluster;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Tests.Testing;
using Bench.Compare;
using Bench.Compare.Resources;

namespace Verifier.Tests.Cluster;

/// <summary>
/// A kubeconfig whose user is an exec credential plugin, through the library's own registration over real HTTPS:
/// LocalApiServer for tokens (401 → run again once, the verifier's key source and TokenReview), a Kestrel app
/// requiring a client certificate for the plugin's certificate.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ExecCredentialConnectionTests : IDisposable
{
    private readonly ExecPluginScripts _scripts = new();
    private readonly TestCertificates _certs = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose()
    {
        _scripts.Dispose();
        _certs.Dispose();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A kubeconfig next to the scripts whose user runs <c>./plugin</c>.</summary>
    private string Kubeconfig(Uri server, string caPem) =>
        _scripts.WriteFile("config", $"""
            apiVersion: v1
            kind: Config
            current-context: exec
            clusters:
            - name: c
              cluster:
                server: {server.AbsoluteUri}
                certificate-authority-data: {B64(caPem)}
            contexts:
            - name: exec
              context:
                cluster: c
                user: plugin-user
            users:
            - name: plugin-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./plugin
                  interactiveMode: Never
            """);

    /// <summary>A plugin printing the n-th line of <paramref name="tokens"/> on its n-th run.</summary>
    private void TokenPlugin(params string[] tokens)
    {
        File.WriteAllLines(_scripts.PathOf("tokens"), tokens);
        _scripts.Write("plugin", _scripts.Counter + $"token=$(sed -n \"${{n}}p\" '{_scripts.PathOf("tokens")}')\n" +
            ExecPluginScripts.Print(ExecCredentialSettings.V1, "TOKEN", tokenExpression: "$token"));
    }

    [Test]
    public async Task ClusterClient_PluginToken_AuthenticatesWithOneRunForManyRequests()
    {
        await using var server = await LocalApiServer.StartAsync();
        TokenPlugin(server.AdminToken);
        var path = Kubeconfig(server.BaseAddress, server.CaCertificatePem);
        await using var services = ClusterTestServices.Build(o => o.KubeconfigPath = path, _time);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await services.CreateClient().GetAsync(new Uri("api/v1/namespaces/default/serviceaccounts/default", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(_scripts.Runs, Is.EqualTo(1));
            Assert.That(services.GetRequiredService<ClusterConnectionProvider>().Connection!.CredentialKind, Does.StartWith("exec"));
        });
    }

    [Test]
    public async Task ClusterClient_401_RunsThePluginAgainOnceAndRetriesOnce()
    {
        await using var server = await LocalApiServer.StartAsync();
        TokenPlugin("revoked-token", server.AdminToken);
        var path = Kubeconfig(server.BaseAddress, server.CaCertificatePem);
        await using var services = ClusterTestServices.Build(o => o.KubeconfigPath = path, _time);
        var before = server.Counters.Total;

        using var response = await services.CreateClient().GetAsync(new Uri("api/v1/namespaces/default/serviceaccounts/default", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_scripts.Runs, Is.EqualTo(2));
            Assert.That(server.Counters.Total - before, Is.EqualTo(2), "the request and one retry");
        });
    }

    [Test]
    public async Task ClusterClient_401AgainAfterRerun_AnswersTheSecond401WithoutLooping()
    {
        await using var server = await LocalApiServer.StartAsync();
        TokenPlugin("revoked-token", "also-revoked", server.AdminToken);
        var path = Kubeconfig(server.BaseAddress, server.CaCertificatePem);
        await using var services = ClusterTestServices.Build(o => o.KubeconfigPath = path, _time);

        using var response = await services.CreateClient().GetAsync(new Uri("api/v1/namespaces/default/serviceaccounts/default", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(_scripts.Runs, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ApiClient_PluginFails_UnauthorizedResultWithThePluginsError()
    {
        await using var server = await LocalApiServer.StartAsync();
        _scripts.Write("plugin", "echo 'error: the SSO session has expired; run aws sso login' >&2\nexit 255");
        var path = Kubeconfig(server.BaseAddress, server.CaCertificatePem);
        await using var services = ClusterTestServices.Build(o => o.KubeconfigPath = path, _time);
        var before = server.Counters.Total;

        var result = await services.GetRequiredService<KubernetesApiClient>().GetPodAsync("default", "web-0", CancellationToken.None);
        var raw = await Assert.ThrowsAsync<HttpRequestException>(async () => await services.CreateClient().GetAsync(new Uri("version", UriKind.Relative)));

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Unauthorized), "our own credential, never the caller's token");
            Assert.That(result.Error!.IsCredentialRejected, Is.True);
            Assert.That(result.Error!.Message, Does.Contain("exited with code 255").And.Contain("run aws sso login"));
            Assert.That(raw!.HttpRequestError, Is.EqualTo(HttpRequestError.UserAuthenticationError));
            Assert.That(raw.InnerException, Is.InstanceOf<ClusterConfigurationException>());
            Assert.That(server.Counters.Total, Is.EqualTo(before), "nothing is sent without a credential");
        });
    }

    [Test]
    public async Task ClusterClient_PluginClientCertificate_PresentedInTheHandshakeAndRotated()
    {
        using var second = IssueClient("CN=rotated-client");
        var expires = _time.GetUtcNow().AddHours(1);
        File.WriteAllText(_scripts.PathOf("out-1"), ExecJson(_certs.ClientCertificatePem, _certs.ClientKeyPem, expires));
        File.WriteAllText(_scripts.PathOf("out-2"), ExecJson(second.ExportCertificatePem(), second.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), expires.AddHours(1)));
        _scripts.Write("plugin", _scripts.Counter + $"cat '{_scripts.Folder}/out-'$n");
        await using var https = await TestHttpsServer.StartAsync(
            context => context.Response.WriteAsync(context.Connection.ClientCertificate?.Subject ?? "none"), _certs.Server, _certs.Authority);
        var path = Kubeconfig(https.Address, _certs.AuthorityPem);
        await using var services = ClusterTestServices.Build(o => o.KubeconfigPath = path, _time);

        var first = await services.CreateClient().GetStringAsync(new Uri("whoami", UriKind.Relative));
        var firstAgain = await services.CreateClient().GetStringAsync(new Uri("whoami", UriKind.Relative));
        _time.Advance(TimeSpan.FromHours(1));
        var rotated = await services.CreateClient().GetStringAsync(new Uri("whoami", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(_certs.Client.Subject));
            Assert.That(firstAgain, Is.EqualTo(_certs.Client.Subject));
            Assert.That(rotated, Is.EqualTo("CN=rotated-client"), "a new certificate from the plugin is a new TLS connection");
            Assert.That(_scripts.Runs, Is.EqualTo(2));
        });
    }

    [TestCase(VerificationMode.TokenReview)]
    [TestCase(VerificationMode.Local)]
    public async Task Verifier_ExecPluginKubeconfig_VerifiesAgainstLocalApiServer(VerificationMode mode)
    {
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });
        server.CreateServiceAccount("apps", "web");
        server.CreateNode("node-1");
        server.CreatePod("apps", "web-0", "web", "node-1");
        server.CreateNamespace("verifier-system");
        server.CreateServiceAccount("verifier-system", "token-reviewer");
        server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "verifier-system", "token-reviewer");
        TokenPlugin(server.IssueToken("verifier-system", "token-reviewer", expirationSeconds: 3600));
        var path = Kubeconfig(server.BaseAddress, server.CaCertificatePem);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = ["factors"];
            o.Mode = mode;
            o.ApiServer.KubeconfigPath = path;
        });
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            var verifier = provider.GetRequiredService<IServiceAccountTokenVerifier>();
            await verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var good = await verifier.VerifyAsync(server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Pod("web-0")));
            var wrongAudience = await verifier.VerifyAsync(server.IssueToken("apps", "web", ["vault"]));

            Assert.Multiple(() =>
            {
                Assert.That(good.Succeeded, Is.True, good.ToString());
                Assert.That(good.Identity!.Username, Is.EqualTo("system:serviceaccount:apps:web"));
                Assert.That(wrongAudience.Succeeded, Is.False);
                Assert.That(_scripts.Runs, Is.EqualTo(1), "one run serves keys and reviews alike");
            });
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    private static string ExecJson(string certificatePem, string keyPem, DateTimeOffset expires) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = ExecCredentialSettings.V1,
            ["kind"] = "ExecCredential",
            ["status"] = new Dictionary<string, string>
            {
                ["clientCertificateData"] = certificatePem,
                ["clientKeyData"] = keyPem,
                ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        });

    private X509Certificate2 IssueClient(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(_certs.Authority, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }
}
