using NUnit.Framework;
using System.Text;
using Verifier.Cluster;

namespace Verifier.Tests.Cluster;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubeconfigReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs = new();

    public void Dispose()
    {
        _dir.Dispose();
        _certs.Dispose();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Kubeconfig(string clusterBody, string userBody, string currentContext = "kind-demo", string extra = "") => $"""
        apiVersion: v1
        kind: Config
        current-context: {currentContext}
        clusters:
        - name: kind-demo
          cluster:
        {clusterBody}
        - name: other
          cluster:
            server: https://other.example:6443
        contexts:
        - name: kind-demo
          context:
            cluster: kind-demo
            user: demo-user
            namespace: token-demo
        - name: other
          context:
            cluster: other
            user: other-user
        users:
        - name: demo-user
          user:
        {userBody}
        - name: other-user
          user:
            token: other-token
        {extra}
        """;

    [Test]
    public void Read_TokenAndCaData_TakesServerTokenCaAndNamespace()
    {
        var path = _dir.Write("config", Kubeconfig(
            $"    server: https://127.0.0.1:6443\n    certificate-authority-data: {B64(_certs.AuthorityPem)}",
            "    token: static-token"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.Multiple(() =>
        {
            Assert.That(connection.Server, Is.EqualTo(new Uri("https://127.0.0.1:6443")));
            Assert.That(connection.Token, Is.EqualTo("static-token"));
            Assert.That(connection.TokenFile, Is.Null);
            Assert.That(connection.Namespace, Is.EqualTo("token-demo"));
            Assert.That(connection.CertificateAuthorities, Has.Count.EqualTo(1));
            Assert.That(connection.CertificateAuthorities![0].Thumbprint, Is.EqualTo(_certs.Authority.Thumbprint));
            Assert.That(connection.Source, Does.StartWith("kubeconfig:").And.EndWith("#kind-demo"));
            Assert.That(connection.ToString(), Does.Not.Contain("static-token"));
        });
    }

    [Test]
    public void Read_CaFileRelativeToKubeconfig_LoadsIt()
    {
        _dir.Write("pki/ca.crt", _certs.AuthorityPem);
        var path = _dir.Write("kube/config", Kubeconfig("    server: https://127.0.0.1:6443\n    certificate-authority: ../pki/ca.crt", "    token: t"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.That(connection.CertificateAuthorities![0].Thumbprint, Is.EqualTo(_certs.Authority.Thumbprint));
    }

    [Test]
    public void Read_MissingCaFile_ErrorNamesThePath()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443\n    certificate-authority: missing-ca.crt", "    token: t"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain(Path.Combine(_dir.Path, "missing-ca.crt")).And.Contain("certificate-authority"));
    }

    [Test]
    public void Read_TokenFileRelative_ResolvedAgainstKubeconfigDirectory()
    {
        var tokenFile = _dir.Write("tokens/reviewer", "file-token");
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    tokenFile: tokens/reviewer"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.Multiple(() =>
        {
            Assert.That(connection.TokenFile, Is.EqualTo(tokenFile));
            Assert.That(connection.Token, Is.Null);
            Assert.That(connection.CredentialKind, Is.EqualTo("token-file"));
        });
    }

    [Test]
    public void Read_ClientCertificateData_LoadsCertificateWithKey()
    {
        var path = _dir.Write("config", Kubeconfig(
            "    server: https://127.0.0.1:6443",
            $"    client-certificate-data: {B64(_certs.ClientCertificatePem)}\n    client-key-data: {B64(_certs.ClientKeyPem)}"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.Multiple(() =>
        {
            Assert.That(connection.ClientCertificate, Is.Not.Null);
            Assert.That(connection.ClientCertificate!.HasPrivateKey, Is.True);
            Assert.That(connection.ClientCertificate.Thumbprint, Is.EqualTo(_certs.Client.Thumbprint));
            Assert.That(connection.CredentialKind, Is.EqualTo("client-certificate"));
        });
    }

    [Test]
    public void Read_ClientCertificateFiles_LoadsCertificateWithKey()
    {
        _dir.Write("client.crt", _certs.ClientCertificatePem);
        _dir.Write("client.key", _certs.ClientKeyPem);
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    client-certificate: client.crt\n    client-key: client.key"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.That(connection.ClientCertificate!.Thumbprint, Is.EqualTo(_certs.Client.Thumbprint));
    }

    [Test]
    public void Read_CertificateWithoutKey_Error()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", $"    client-certificate-data: {B64(_certs.ClientCertificatePem)}"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain("without the matching key"));
    }

    [Test]
    public void Read_NamedContext_UsesThatContextNotCurrent()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    token: t"));

        var connection = KubeconfigReader.Read(path, "other");

        Assert.Multiple(() =>
        {
            Assert.That(connection.Server, Is.EqualTo(new Uri("https://other.example:6443")));
            Assert.That(connection.Token, Is.EqualTo("other-token"));
            Assert.That(connection.Namespace, Is.Null);
            Assert.That(connection.Source, Does.EndWith("#other"));
        });
    }

    [Test]
    public void Read_UnknownContext_ErrorListsContexts()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    token: t"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, "prod"));

        Assert.That(ex!.Message, Does.Contain("no context 'prod'").And.Contain("kind-demo, other"));
    }

    [Test]
    public void Read_ExecPlugin_ReadsCommandArgsEnvHintAndClusterInfo()
    {
        var path = _dir.Write("kube/config", Kubeconfig(
            $"    server: https://eks.example\n    certificate-authority-data: {B64(_certs.AuthorityPem)}\n" +
            "    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension:\n        audience: sts\n        retries: 3\n        verbose: true",
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n" +
            "      args: [eks, get-token, --cluster-name, \"my cluster\"]\n      env:\n      - name: AWS_PROFILE\n        value: prod\n" +
            "      installHint: Install the AWS CLI v2.\n      provideClusterInfo: true\n      interactiveMode: IfAvailable"));

        var connection = KubeconfigReader.Read(path, null);

        var exec = connection.Exec!;
        Assert.Multiple(() =>
        {
            Assert.That(exec.ApiVersion, Is.EqualTo(ExecCredentialSettings.V1Beta1));
            Assert.That(exec.Command, Is.EqualTo("aws"), "a bare name is looked up in PATH, not resolved against the kubeconfig");
            Assert.That(exec.Arguments, Is.EqualTo(new[] { "eks", "get-token", "--cluster-name", "my cluster" }));
            Assert.That(exec.Environment, Is.EqualTo(new[] { new KeyValuePair<string, string>("AWS_PROFILE", "prod") }));
            Assert.That(exec.InstallHint, Is.EqualTo("Install the AWS CLI v2."));
            Assert.That(exec.ProvideClusterInfo, Is.True);
            Assert.That(exec.ClusterServer, Is.EqualTo(new Uri("https://eks.example")));
            Assert.That(exec.ClusterCertificateAuthorityPem, Is.EqualTo(_certs.AuthorityPem));
            Assert.That(exec.ClusterConfigJson, Is.EqualTo("{\"audience\":\"sts\",\"retries\":3,\"verbose\":true}"));
            Assert.That(connection.CredentialKind, Is.EqualTo("exec (aws)"));
            Assert.That(connection.ToString(), Does.Not.Contain("prod"), "env values may be secrets");
        });
    }

    [TestCase("./bin/get-token", "kube/bin/get-token")]
    [TestCase("../plugins/get-token", "plugins/get-token")]
    public void Read_ExecCommandWithPathSeparator_ResolvedAgainstKubeconfigDirectory(string command, string expected)
    {
        var path = _dir.Write("kube/config", Kubeconfig(
            "    server: https://127.0.0.1:6443", $"    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {command}"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.That(connection.Exec!.Command, Is.EqualTo(Path.Combine(_dir.Path, expected)));
    }

    [TestCase("      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      interactiveMode: Always", "never runs a plugin interactively")]
    [TestCase("      command: kubelogin", "has no apiVersion")]
    [TestCase("      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: kubelogin", "v1alpha1 was removed")]
    [TestCase("      apiVersion: client.authentication.k8s.io/v1", "has no command")]
    [TestCase("      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      interactiveMode: Sometimes", "not one of Never, IfAvailable, Always")]
    [TestCase("      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      env:\n      - value: x", "entry without a name")]
    [TestCase("      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n    token: t", "both exec and token")]
    public void Read_UnusableExec_ErrorSaysWhatToFix(string exec, string expected)
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    exec:\n" + exec));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain(expected).And.Contain("user 'demo-user'").IgnoreCase);
    }

    [Test]
    public void Read_AuthProvider_ErrorSuggestsKubectlProxy()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://gke.example", "    auth-provider:\n      name: gcp"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain("auth-provider 'gcp'").And.Contain("kubectl proxy"));
    }

    [Test]
    public void Read_InsecureSkipTlsVerify_Flagged()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true", "    token: t"));

        var connection = KubeconfigReader.Read(path, null);

        Assert.Multiple(() =>
        {
            Assert.That(connection.InsecureSkipTlsVerify, Is.True);
            Assert.That(connection.CertificateAuthorities, Is.Null);
        });
    }

    [Test]
    public void Read_InsecureWithCa_ErrorLikeKubectl()
    {
        var path = _dir.Write("config", Kubeconfig(
            $"    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n    certificate-authority-data: {B64(_certs.AuthorityPem)}", "    token: t"));

        Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));
    }

    [TestCase("    server: ftp://127.0.0.1", "    token: t", "server URL")]
    [TestCase("    server: https://127.0.0.1:6443\n    certificate-authority-data: '%%%'", "    token: t", "not valid base64")]
    [TestCase("    server: https://127.0.0.1:6443\n    certificate-authority-data: bm90IGEgY2VydA==", "    token: t", "no PEM certificate")]
    [TestCase("    server: https://127.0.0.1:6443", "    username: admin\n    password: secret", "basic authentication")]
    [TestCase("    server: https://127.0.0.1:6443", "    token: t\n    as: someone", "impersonation")]
    [TestCase("    server: https://127.0.0.1:6443\n    tls-server-name: kubernetes", "    token: t", "tls-server-name")]
    public void Read_InvalidSettings_ClearError(string cluster, string user, string expected)
    {
        var path = _dir.Write("config", Kubeconfig(cluster, user));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain(expected));
    }

    [Test]
    public void Read_NoCurrentContext_ErrorAsksForContext()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443", "    token: t", currentContext: "''"));

        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(path, null));

        Assert.That(ex!.Message, Does.Contain("ApiServer:KubeconfigContext"));
    }

    [Test]
    public void Read_MissingFile_ErrorNamesSetting()
    {
        var ex = Assert.Throws<ClusterConfigurationException>(() => KubeconfigReader.Read(Path.Combine(_dir.Path, "nope"), null));

        Assert.That(ex!.Message, Does.Contain("ApiServer:KubeconfigPath"));
    }

    [Test]
    public void Read_ProxyUrl_Kept()
    {
        var path = _dir.Write("config", Kubeconfig("    server: https://127.0.0.1:6443\n    proxy-url: http://proxy.internal:3128", "    token: t"));

        Assert.That(KubeconfigReader.Read(path, null).Proxy, Is.EqualTo(new Uri("http://proxy.internal:3128")));
    }
}
