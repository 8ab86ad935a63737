using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Verifier.Cluster;
using Verifier.Testing;

namespace Verifier.Tests.Cluster;

/// <summary>The exec credential protocol against small bash plugins: output, caching, single flight, failures, timeout.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ExecCredentialPluginTests : IDisposable
{
    private const string V1 = ExecCredentialSettings.V1;
    private readonly ExecPluginScripts _scripts = new();
    private readonly TestCertificates _certs = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose()
    {
        _scripts.Dispose();
        _certs.Dispose();
    }

    private ExecCredentialPlugin Plugin(string command, TimeSpan? timeout = null, string apiVersion = V1, IReadOnlyList<string>? args = null,
        IReadOnlyList<KeyValuePair<string, string>>? env = null, string? installHint = null) =>
        new(new ExecCredentialSettings(apiVersion, command, "user 'eks' (test kubeconfig)")
        {
            Arguments = args ?? [],
            Environment = env ?? [],
            InstallHint = installHint,
        }, "test", timeout ?? TimeSpan.FromSeconds(30), _time, NullLogger.Instance);

    [TestCase(ExecCredentialSettings.V1)]
    [TestCase(ExecCredentialSettings.V1Beta1)]
    public async Task GetAsync_TokenPlugin_ReturnsTokenExpiryAndPassesNonInteractiveExecInfo(string apiVersion)
    {
        var expires = _time.GetUtcNow().AddHours(1);
        var info = _scripts.PathOf("exec-info.json");
        var plugin = Plugin(_scripts.Write("plugin", $"printf '%s' \"$KUBERNETES_EXEC_INFO\" > '{info}'\n" + ExecPluginScripts.Print(apiVersion, "k8s-aws-v1.secret", expires)), apiVersion: apiVersion);

        var credential = await plugin.GetAsync(CancellationToken.None);

        using var execInfo = JsonDocument.Parse(File.ReadAllText(info));
        Assert.Multiple(() =>
        {
            Assert.That(credential.Token, Is.EqualTo("k8s-aws-v1.secret"));
            Assert.That(credential.ClientCertificate, Is.Null);
            Assert.That(credential.ExpiresAt, Is.EqualTo(expires));
            Assert.That(credential.RefreshAt, Is.EqualTo(expires - ExecCredentialPlugin.RefreshMargin));
            Assert.That(credential.ToString(), Does.Not.Contain("secret"));
            Assert.That(execInfo.RootElement.GetProperty("apiVersion").GetString(), Is.EqualTo(apiVersion));
            Assert.That(execInfo.RootElement.GetProperty("kind").GetString(), Is.EqualTo("ExecCredential"));
            Assert.That(execInfo.RootElement.GetProperty("spec").GetProperty("interactive").GetBoolean(), Is.False);
            Assert.That(execInfo.RootElement.GetProperty("spec").TryGetProperty("cluster", out _), Is.False, "only with provideClusterInfo");
        });
    }

    [Test]
    public async Task GetAsync_ProvideClusterInfo_ExecInfoCarriesTheCluster()
    {
        var info = _scripts.PathOf("exec-info.json");
        _scripts.Write("bin/plugin", $"printf '%s' \"$KUBERNETES_EXEC_INFO\" > '{info}'\n" + ExecPluginScripts.Print(V1, "t"));
        var kubeconfig = Path.Combine(_scripts.Folder, "config");
        File.WriteAllText(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(_certs.AuthorityPem))}
                extensions:
                - name: client.authentication.k8s.io/exec
                  extension:
                    audience: sts.example
            contexts:
            - name: c
              context:
                cluster: c
                user: u
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/plugin
                  provideClusterInfo: true
            """);
        var connection = KubeconfigReader.Read(kubeconfig, null);
        var plugin = new ExecCredentialPlugin(connection.Exec!, connection.Source, TimeSpan.FromSeconds(30), _time, NullLogger.Instance);

        await plugin.GetAsync(CancellationToken.None);

        using var execInfo = JsonDocument.Parse(File.ReadAllText(info));
        var cluster = execInfo.RootElement.GetProperty("spec").GetProperty("cluster");
        Assert.Multiple(() =>
        {
            Assert.That(cluster.GetProperty("server").GetString(), Is.EqualTo("https://127.0.0.1:6443"));
            Assert.That(System.Text.Encoding.UTF8.GetString(cluster.GetProperty("certificate-authority-data").GetBytesFromBase64()), Is.EqualTo(_certs.AuthorityPem));
            Assert.That(cluster.GetProperty("config").GetProperty("audience").GetString(), Is.EqualTo("sts.example"));
            Assert.That(execInfo.RootElement.GetProperty("spec").GetProperty("interactive").GetBoolean(), Is.False);
        });
    }

    [Test]
    public async Task GetAsync_ArgumentsWithSpacesAndEnv_ReachThePluginUnsplit()
    {
        var seen = _scripts.PathOf("seen");
        var plugin = Plugin(
            _scripts.Write("plugin", $"{{ echo \"$#\"; for a in \"$@\"; do echo \"[$a]\"; done; echo \"profile=$AWS_PROFILE\"; }} > '{seen}'\n" + ExecPluginScripts.Print(V1, "t")),
            args: ["eks", "get-token", "--cluster-name", "my cluster", ""],
            env: [new("AWS_PROFILE", "prod west")]);

        await plugin.GetAsync(CancellationToken.None);

        Assert.That(File.ReadAllLines(seen), Is.EqualTo(new[] { "5", "[eks]", "[get-token]", "[--cluster-name]", "[my cluster]", "[]", "profile=prod west" }));
    }

    [Test]
    public async Task GetAsync_ClientCertificatePlugin_LoadsCertificateWithKey()
    {
        var plugin = Plugin(_scripts.Write("plugin", ExecPluginScripts.Print(V1, certificatePem: _certs.ClientCertificatePem, keyPem: _certs.ClientKeyPem)));

        var credential = await plugin.GetAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(credential.Token, Is.Null);
            Assert.That(credential.ClientCertificate!.Thumbprint, Is.EqualTo(_certs.Client.Thumbprint));
            Assert.That(credential.ClientCertificate.HasPrivateKey, Is.True);
            Assert.That(credential.ExpiresAt, Is.Null);
        });
    }

    [Test]
    public async Task GetAsync_SixteenConcurrentFirstCalls_OneRunSharedByAll()
    {
        // The plugin holds until the test has started every caller, so all 16 are waiting on the same run.
        var started = _scripts.PathOf("started");
        var go = _scripts.PathOf("go");
        var plugin = Plugin(_scripts.Write("plugin",
            _scripts.Counter + $"touch '{started}'\nwhile [ ! -f '{go}' ]; do sleep 0.01; done\n" + ExecPluginScripts.Print(V1, "TOKEN", tokenExpression: "token-$n")));

        var calls = Enumerable.Range(0, 16).Select(_ => Task.Run(() => plugin.GetAsync(CancellationToken.None).AsTask())).ToArray();
        await Eventually.WaitUntil(() => File.Exists(started), "the plugin started");
        await Eventually.WaitUntil(() => calls.All(c => !c.IsCompleted) && plugin.Runs == 1, "every caller is waiting");
        File.WriteAllText(go, "");
        var credentials = await Task.WhenAll(calls);

        Assert.Multiple(() =>
        {
            Assert.That(_scripts.Runs, Is.EqualTo(1));
            Assert.That(plugin.Runs, Is.EqualTo(1));
            Assert.That(credentials.Select(c => c.Token), Is.All.EqualTo("token-1"));
        });
    }

    [Test]
    public async Task GetAsync_Expiry_CachedUntilShortlyBeforeThenRunAgain()
    {
        var expires = _time.GetUtcNow().AddHours(1);
        var plugin = Plugin(_scripts.Write("plugin", _scripts.Counter + ExecPluginScripts.Print(V1, "TOKEN", expires, tokenExpression: "token-$n")));

        var first = await plugin.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1) - ExecCredentialPlugin.RefreshMargin - TimeSpan.FromSeconds(1));
        var beforeMargin = await plugin.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2));
        var inMargin = await plugin.GetAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Token, Is.EqualTo("token-1"));
            Assert.That(beforeMargin, Is.SameAs(first));
            Assert.That(inMargin.Token, Is.EqualTo("token-2"));
            Assert.That(_scripts.Runs, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task GetAsync_ShortLifetime_RefreshesAtATenthBeforeExpiry()
    {
        var expires = _time.GetUtcNow().AddSeconds(30);
        var plugin = Plugin(_scripts.Write("plugin", ExecPluginScripts.Print(V1, "t", expires)));

        var credential = await plugin.GetAsync(CancellationToken.None);

        Assert.That(credential.RefreshAt, Is.EqualTo(expires - TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task GetAsync_NoExpiry_ReusedUntilRenewAfterA401()
    {
        var plugin = Plugin(_scripts.Write("plugin", _scripts.Counter + ExecPluginScripts.Print(V1, "TOKEN", tokenExpression: "token-$n")));

        var first = await plugin.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(30));
        var later = await plugin.GetAsync(CancellationToken.None);
        var renewed = await plugin.RenewAsync(first, CancellationToken.None);
        var renewedAgainForTheOldOne = await plugin.RenewAsync(first, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(later, Is.SameAs(first));
            Assert.That(renewed.Token, Is.EqualTo("token-2"));
            Assert.That(renewedAgainForTheOldOne, Is.SameAs(renewed), "a caller late with the same 401 gets the new credential, no extra run");
            Assert.That(_scripts.Runs, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task GetAsync_RefreshFailsBeforeExpiry_KeepsCurrentCredentialUntilItExpires()
    {
        var expires = _time.GetUtcNow().AddHours(1);
        var plugin = Plugin(_scripts.Write("plugin",
            _scripts.Counter + "if [ \"$n\" -gt 1 ]; then echo 'token service down' >&2; exit 1; fi\n" + ExecPluginScripts.Print(V1, "t", expires)));
        var first = await plugin.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(5));

        var kept = await plugin.GetAsync(CancellationToken.None);
        var stillKept = await plugin.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(kept.Token, Is.EqualTo(first.Token));
            Assert.That(stillKept, Is.SameAs(kept), "no run on every request of the margin");
            Assert.That(_scripts.Runs, Is.EqualTo(2));
            Assert.That(async () => await plugin.GetAsync(CancellationToken.None), Throws.InstanceOf<ClusterConfigurationException>().With.Message.Contains("token service down"));
        });
    }

    [Test]
    public async Task RenewAsync_PluginFailsAfterA401_ThrowsInsteadOfKeepingTheRejectedCredential()
    {
        var expires = _time.GetUtcNow().AddHours(1);
        var plugin = Plugin(_scripts.Write("plugin",
            _scripts.Counter + "if [ \"$n\" -gt 1 ]; then echo 'token service down' >&2; exit 1; fi\n" + ExecPluginScripts.Print(V1, "t", expires)));
        var rejected = await plugin.GetAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await plugin.RenewAsync(rejected, CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("token service down"));
    }

    [Test]
    public async Task GetAsync_MissingCommand_ErrorNamesItAndShowsInstallHint()
    {
        var plugin = Plugin("verifier-no-such-plugin-7f3a", installHint: "Install the AWS CLI: https://aws.amazon.com/cli/\n");

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await plugin.GetAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("'verifier-no-such-plugin-7f3a' of user 'eks'").And.EndWith("Install the AWS CLI: https://aws.amazon.com/cli/"));
    }

    [Test]
    public async Task GetAsync_PluginFails_ErrorHasExitCodeAndStandardError()
    {
        var plugin = Plugin(_scripts.Write("plugin", "echo 'k8s-aws-v1.partial-output'\necho '  Unable to locate credentials. You can configure credentials by running \"aws configure\".  ' >&2\nexit 253"));

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await plugin.GetAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("exited with code 253"));
            Assert.That(ex.Message, Does.Contain("standard error: Unable to locate credentials. You can configure credentials by running \"aws configure\". Run"));
            Assert.That(ex.Message, Does.Not.Contain("k8s-aws-v1"), "standard output may hold a credential");
        });
    }

    [Test]
    public async Task GetAsync_LongStandardError_QuotesOnlyItsBoundedEnd()
    {
        var plugin = Plugin(_scripts.Write("plugin", "for i in $(seq 1 2000); do echo \"noise line $i\" >&2; done\necho 'the real error' >&2\nexit 1"));

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await plugin.GetAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("the real error").And.Contain("(end)"));
            Assert.That(ex.Message, Has.Length.LessThan(ExecCredentialPlugin.MaxErrorChars + 600));
        });
    }

    [Test]
    public async Task GetAsync_PluginHangs_StoppedAtTheTimeoutWithItsStandardError()
    {
        var timeout = TimeSpan.FromSeconds(20);
        var started = _scripts.PathOf("started");
        var plugin = Plugin(_scripts.Write("plugin", $"echo 'To sign in, open https://microsoft.com/devicelogin' >&2\ntouch '{started}'\nsleep 60"), timeout);

        var call = plugin.GetAsync(CancellationToken.None).AsTask();
        await Eventually.WaitUntil(() => File.Exists(started), "the plugin started");
        await Eventually.AdvanceWhenScheduled(_time, timeout, "the plugin's timeout");

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await call);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("did not finish within 20 s (ApiServer:ExecTimeout)"));
            Assert.That(ex.Message, Does.Contain("devicelogin"));
        });
    }

    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"sekret\"}}", "answered with apiVersion 'client.authentication.k8s.io/v1beta1'")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"Secret\",\"status\":{\"token\":\"sekret\"}}", "kind 'Secret'")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}", "without status")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}", "neither status.token")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"sekret\",\"expirationTimestamp\":\"tomorrow\"}}", "not an RFC 3339 time")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"x\"}}", "clientCertificateData without clientKeyData")]
    [TestCase("token: sekret", "did not print an ExecCredential JSON object")]
    public async Task GetAsync_UnusableOutput_ErrorWithoutTheOutput(string output, string expected)
    {
        var plugin = Plugin(_scripts.Write("plugin", $"cat <<'JSON'\n{output}\nJSON"));

        var ex = await Assert.ThrowsAsync<ClusterConfigurationException>(async () => await plugin.GetAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain(expected));
            Assert.That(ex.Message, Does.Not.Contain("sekret"));
        });
    }
}
