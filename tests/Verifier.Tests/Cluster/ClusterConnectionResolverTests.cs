using NUnit.Framework;
using Verifier.Cluster;

namespace Verifier.Tests.Cluster;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ClusterConnectionResolverTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs = new();

    public void Dispose()
    {
        _dir.Dispose();
        _certs.Dispose();
    }

    private static FakeEnvironment InPod(string host = "10.96.0.1", string port = "443") => new(new Dictionary<string, string>
    {
        [ClusterConnectionResolver.ServiceHostVariable] = host,
        [ClusterConnectionResolver.ServicePortVariable] = port,
    });

    private string WriteServiceAccountDirectory(bool withToken = true, bool withCa = true, string? ns = "token-demo")
    {
        var dir = Path.Combine(_dir.Path, "serviceaccount");
        Directory.CreateDirectory(dir);
        if (withToken)
        {
            File.WriteAllText(Path.Combine(dir, "token"), "pod-token");
        }

        if (withCa)
        {
            File.WriteAllText(Path.Combine(dir, "ca.crt"), _certs.AuthorityPem);
        }

        if (ns is not null)
        {
            File.WriteAllText(Path.Combine(dir, "namespace"), ns);
        }

        return dir;
    }

    [Test]
    public void Resolve_Nothing_NoApiServer()
    {
        Assert.That(ClusterConnectionResolver.Resolve(new ApiServerOptions(), FakeEnvironment.Empty), Is.Null);
    }

    [Test]
    public void Resolve_KubectlProxy_HttpWithoutTokenOrCa()
    {
        var connection = ClusterConnectionResolver.Resolve(new ApiServerOptions { Server = new Uri("http://127.0.0.1:8001") }, InPod());

        Assert.Multiple(() =>
        {
            Assert.That(connection!.Server, Is.EqualTo(new Uri("http://127.0.0.1:8001")));
            Assert.That(connection.Source, Is.EqualTo("options"));
            Assert.That(connection.CredentialKind, Is.EqualTo("none"));
            Assert.That(connection.CertificateAuthorities, Is.Null);
        });
    }

    [Test]
    public void Resolve_ExplicitServerCaFileAndTokenFile_AllTaken()
    {
        var ca = _dir.Write("ca.pem", _certs.AuthorityPem);
        var token = _dir.Write("token", "t");

        var connection = ClusterConnectionResolver.Resolve(
            new ApiServerOptions { Server = new Uri("https://127.0.0.1:6443"), CertificateAuthorityFile = ca, TokenFile = token }, FakeEnvironment.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(connection!.CertificateAuthorities![0].Thumbprint, Is.EqualTo(_certs.Authority.Thumbprint));
            Assert.That(connection.TokenFile, Is.EqualTo(token));
        });
    }

    [Test]
    public void Resolve_ExplicitCaData_Taken()
    {
        var connection = ClusterConnectionResolver.Resolve(
            new ApiServerOptions { Server = new Uri("https://127.0.0.1:6443"), CertificateAuthorityData = _certs.AuthorityPem }, FakeEnvironment.Empty);

        Assert.That(connection!.CertificateAuthorities![0].Thumbprint, Is.EqualTo(_certs.Authority.Thumbprint));
    }

    [Test]
    public void Resolve_ExplicitTokenFileMissing_ErrorNamesSetting()
    {
        var ex = Assert.Throws<ClusterConfigurationException>(() => ClusterConnectionResolver.Resolve(
            new ApiServerOptions { Server = new Uri("https://127.0.0.1:6443"), TokenFile = Path.Combine(_dir.Path, "none") }, FakeEnvironment.Empty));

        Assert.That(ex!.Message, Does.Contain("ApiServer:TokenFile"));
    }

    [Test]
    public void Resolve_InCluster_ServerTokenCaNamespaceFromDirectory()
    {
        var dir = WriteServiceAccountDirectory();

        var connection = ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir }, InPod());

        Assert.Multiple(() =>
        {
            Assert.That(connection!.Server, Is.EqualTo(new Uri("https://10.96.0.1:443/")));
            Assert.That(connection.Source, Is.EqualTo("in-cluster"));
            Assert.That(connection.TokenFile, Is.EqualTo(Path.Combine(dir, "token")));
            Assert.That(connection.CertificateAuthorities![0].Thumbprint, Is.EqualTo(_certs.Authority.Thumbprint));
            Assert.That(connection.Namespace, Is.EqualTo("token-demo"));
        });
    }

    [Test]
    public void Resolve_InClusterIpv6Host_Bracketed()
    {
        var dir = WriteServiceAccountDirectory();

        var connection = ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir }, InPod("fd00:10:96::1", "443"));

        Assert.Multiple(() =>
        {
            Assert.That(connection!.Server.Host, Is.EqualTo("[fd00:10:96::1]"));
            Assert.That(connection.Server.Port, Is.EqualTo(443));
        });
    }

    [Test]
    public void Resolve_InClusterWithoutCaFile_SystemStore()
    {
        var dir = WriteServiceAccountDirectory(withCa: false, ns: null);

        var connection = ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir }, InPod());

        Assert.Multiple(() =>
        {
            Assert.That(connection!.CertificateAuthorities, Is.Null);
            Assert.That(connection.Namespace, Is.Null);
        });
    }

    [Test]
    public void Resolve_InClusterWithoutToken_ErrorMentionsAutomount()
    {
        var dir = WriteServiceAccountDirectory(withToken: false);

        var ex = Assert.Throws<ClusterConfigurationException>(() => ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir }, InPod()));

        Assert.That(ex!.Message, Does.Contain("automountServiceAccountToken"));
    }

    [Test]
    public void Resolve_UseInClusterFalse_IgnoresEnvironment()
    {
        var dir = WriteServiceAccountDirectory();

        Assert.That(ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir, UseInCluster = false }, InPod()), Is.Null);
    }

    [Test]
    public void Resolve_UseInClusterTrueOutsidePod_Error()
    {
        var ex = Assert.Throws<ClusterConfigurationException>(() =>
            ClusterConnectionResolver.Resolve(new ApiServerOptions { UseInCluster = true }, FakeEnvironment.Empty));

        Assert.That(ex!.Message, Does.Contain("KUBERNETES_SERVICE_HOST"));
    }

    [TestCase("0")]
    [TestCase("https")]
    [TestCase("70000")]
    public void Resolve_InClusterBadPort_Error(string port)
    {
        var dir = WriteServiceAccountDirectory();

        Assert.Throws<ClusterConfigurationException>(() => ClusterConnectionResolver.Resolve(new ApiServerOptions { InClusterDirectory = dir }, InPod(port: port)));
    }

    [Test]
    public void Resolve_ExplicitServerWinsOverInCluster()
    {
        var dir = WriteServiceAccountDirectory();

        var connection = ClusterConnectionResolver.Resolve(
            new ApiServerOptions { Server = new Uri("http://127.0.0.1:8001"), InClusterDirectory = dir }, InPod());

        Assert.That(connection!.Source, Is.EqualTo("options"));
    }

    [Test]
    public void Resolve_KubeconfigWithTokenFileOption_TokenFileReplacesUserCredential()
    {
        var kubeconfig = _dir.Write("config", """
            apiVersion: v1
            kind: Config
            current-context: c
            clusters:
            - name: k
              cluster:
                server: https://127.0.0.1:6443
            contexts:
            - name: c
              context:
                cluster: k
                user: u
            users:
            - name: u
              user:
                token: admin-token
            """);
        var token = _dir.Write("reviewer-token", "r");

        var connection = ClusterConnectionResolver.Resolve(new ApiServerOptions { KubeconfigPath = kubeconfig, TokenFile = token }, FakeEnvironment.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(connection!.Token, Is.Null);
            Assert.That(connection.TokenFile, Is.EqualTo(token));
        });
    }
}
