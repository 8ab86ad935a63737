using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.CommandLine;

/// <summary>
/// Every executable of the repository, run as a process the way a user runs it, given an ordinary mistake: it prints
/// one line on stderr naming the setting and how to fix it, and exits with that mistake's own code; never a stack
/// trace (an unhandled exception is exit 134 with "Unhandled exception." and "   at " frames).
/// </summary>
[NonParallelizable]
public sealed class BadInputTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    /// <summary>A path whose parent is a regular file: not writable for anyone, root included.</summary>
    private string Unwritable(string name)
    {
        var file = Path.Combine(_directory.Path, "a-file");
        File.WriteAllText(file, "");
        return Path.Combine(file, name);
    }

    [TestCase(new[] { "--kubeconfig", "/nonexistent" }, 3, "--kubeconfig /nonexistent: no such file")]
    [TestCase(new[] { "--bogus" }, 2, "Unknown option '--bogus'")]
    [TestCase(new[] { "--pods", "many" }, 2, "--pods takes a positive whole number")]
    [TestCase(new[] { "--modes", "local,fast" }, 2, "--modes: unknown mode 'fast'")]
    [TestCase(new[] { "--out", "/nonexistent/dir/r.md" }, 4, "--out /nonexistent/dir/r.md: directory /nonexistent/dir does not exist")]
    public async Task Compare_BadOption_OneLineAndItsExitCode(string[] args, int exitCode, string message)
    {
        var result = await Executables.RunAsync(Executables.Bench, args);

        AssertOneLine(result, exitCode, message);
    }

    [TestCase("--filter", "*NoSuchBenchmark*")]
    [TestCase("--no-such-option", "1")]
    public async Task Bdn_NothingRan_ExitsNonZeroWithOneLineSayingSo(string option, string value)
    {
        var result = await Executables.RunAsync(Executables.Bench, ["bdn", option, value]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Stderr, Does.Contain("bdn: no benchmark ran"), result.ToString());
        });
    }

    [Test]
    public async Task Compare_UnwritableJson_RefusedBeforeTheRun()
    {
        var path = Unwritable("r.json");

        var result = await Executables.RunAsync(Executables.Bench, ["--json", path]);

        AssertOneLine(result, 4, $"--json {path}: ");
        Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "checked before the minute-long run, not after it");
    }

    [Test]
    public async Task Compare_NamespaceMissingOnCluster_SaysHowToCreateIt()
    {
        await using var api = await LocalApiServer.StartAsync();
        var kubeconfig = Path.Combine(_directory.Path, "kc.yaml");
        api.WriteKubeconfig(kubeconfig);

        var result = await Executables.RunAsync(Executables.Bench, ["--kubeconfig", kubeconfig, "--allow-writes", "--namespace", "bench", "--no-progress"]);

        AssertOneLine(result, 7, "--namespace bench: no such namespace on the cluster; create it (kubectl create namespace bench)");
    }

    [Test]
    public async Task Compare_UnknownContext_NamesIt()
    {
        await using var api = await LocalApiServer.StartAsync();
        var kubeconfig = Path.Combine(_directory.Path, "kc.yaml");
        api.WriteKubeconfig(kubeconfig);

        var result = await Executables.RunAsync(Executables.Bench, ["--kubeconfig", kubeconfig, "--context", "nope", "--no-progress"]);

        AssertOneLine(result, 3, "has no context 'nope'");
    }

    [Test]
    public async Task Compare_Help_FastAndNoServer()
    {
        var result = await Executables.RunAsync(Executables.Bench, ["--help"]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Contain("Exit codes").And.Contain("--no-progress"));
            Assert.That(result.Stderr, Is.Empty, "no status line, no server start");
        });
    }

    [TestCase(new[] { "--port", "x" }, 2, "--port takes a port number")]
    [TestCase(new[] { "--service-account", "nobody" }, 2, "--service-account takes NAMESPACE/NAME")]
    [TestCase(new[] { "--bogus" }, 2, "unknown option --bogus")]
    [TestCase(new[] { "--port" }, 2, "--port needs a value")]
    [TestCase(new[] { "--path-base", "k8s" }, 2, "--path-base takes a path starting with '/'")]
    public async Task LocalApiServerHost_BadOption_OneLineAndItsExitCode(string[] args, int exitCode, string message)
    {
        var result = await Executables.RunAsync(Executables.LocalApiServerHost, args);

        AssertOneLine(result, exitCode, message);
    }

    [Test]
    public async Task LocalApiServerHost_PortInUse_SaysSoAndExits5()
    {
        using var taken = TakePort(out var port);

        var result = await Executables.RunAsync(Executables.LocalApiServerHost, ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        AssertOneLine(result, 5, $"--port {port}: 127.0.0.1:{port} is already in use");
    }

    [Test]
    public async Task LocalApiServerHost_UnwritableKubeconfig_Exits4()
    {
        var path = Unwritable("kc.yaml");

        var result = await Executables.RunAsync(Executables.LocalApiServerHost, ["--port", "0", "--kubeconfig", path]);

        AssertOneLine(result, 4, $"--kubeconfig {path}: cannot be written");
    }

    [Test]
    public async Task VerifierSidecar_NoConfiguration_NamesTheSettings()
    {
        var result = await Executables.RunAsync(Executables.VerifierSidecar, []);

        AssertOneLine(result, 3, "VerifierSidecar: configuration: Verifier:Audiences must list at least one audience");
    }

    [TestCase("--Sidecar:Port=abc", "Failed to convert configuration value 'abc' at 'Sidecar:Port' to type 'System.Int32'.")]
    [TestCase("--Verifier:Mode=Fast", "Failed to convert configuration value 'Fast' at 'Verifier:Mode' to type 'Verifier.VerificationMode'.")]
    public async Task VerifierSidecar_ValueOfTheWrongType_NamesTheSetting(string setting, string message)
    {
        var result = await Executables.RunAsync(Executables.VerifierSidecar, ["--Verifier:Audiences:0=factors", setting]);

        AssertOneLine(result, 3, "VerifierSidecar: configuration: " + message);
    }

    [Test]
    public async Task VerifierSidecar_NotReadyWithFailOnTimeout_Exits6()
    {
        // The kubeconfig of an API server that has stopped: the key set never arrives within the 1 s ReadyTimeout.
        var kubeconfig = Path.Combine(_directory.Path, "kc.yaml");
        await using (var api = await LocalApiServer.StartAsync())
        {
            api.WriteKubeconfig(kubeconfig);
        }

        var result = await Executables.RunAsync(Executables.VerifierSidecar,
        [
            $"--Verifier:ApiServer:KubeconfigPath={kubeconfig}", "--Verifier:Audiences:0=factors", "--Sidecar:Port=0",
            "--Verifier:Startup:WaitUntilReady=true", "--Verifier:Startup:ReadyTimeout=00:00:01", "--Verifier:Startup:FailOnTimeout=true",
        ]);

        AssertOneLine(result, 6, "VerifierSidecar: The Kubernetes token verifier was not ready within 1 s");
    }

    [TestCase("--TokenServer:Audience=factors", "--Verifier:Mode=Fast", "Failed to convert configuration value 'Fast' at 'Verifier:Mode'")]
    public async Task TokenServer_ValueOfTheWrongType_NamesTheSetting(string audience, string setting, string message)
    {
        var result = await Executables.RunAsync(Executables.TokenServer, [audience, setting]);

        AssertOneLine(result, 3, "TokenServer: configuration: " + message);
    }

    [Test]
    public async Task VerifierSidecar_PortInUse_Exits5()
    {
        await using var api = await LocalApiServer.StartAsync();
        var kubeconfig = Path.Combine(_directory.Path, "kc.yaml");
        api.WriteKubeconfig(kubeconfig);
        using var taken = TakePort(out var port);

        var result = await Executables.RunAsync(Executables.VerifierSidecar,
            [$"--Verifier:ApiServer:KubeconfigPath={kubeconfig}", "--Verifier:Audiences:0=factors", $"--Sidecar:Port={port}"]);

        AssertOneLine(result, 5, $"VerifierSidecar: Failed to bind to address http://127.0.0.1:{port}");
    }

    [TestCase(new[] { "--local" }, 2, "TokenServer: --local needs the kubeconfig")]
    [TestCase(new[] { "--local", "/nonexistent" }, 2, "TokenServer: --local /nonexistent: no such kubeconfig")]
    [TestCase(new[] { "--TokenServer:Audience=factors" }, 3, "TokenServer: configuration: Verifier:Keys:Source is ApiServer (the default) but no API server is configured")]
    public async Task TokenServer_BadInput_OneLineAndItsExitCode(string[] args, int exitCode, string message)
    {
        var result = await Executables.RunAsync(Executables.TokenServer, args);

        AssertOneLine(result, exitCode, message);
    }

    [Test]
    public async Task TokenServer_PortInUse_Exits5()
    {
        await using var api = await LocalApiServer.StartAsync();
        var kubeconfig = Path.Combine(_directory.Path, "kc.yaml");
        api.WriteKubeconfig(kubeconfig);
        using var taken = TakePort(out var port);

        var result = await Executables.RunAsync(Executables.TokenServer, ["--local", kubeconfig, $"--urls=http://127.0.0.1:{port}"]);

        AssertOneLine(result, 5, $"TokenServer: Failed to bind to address http://127.0.0.1:{port}");
    }

    [TestCase(new[] { "--local" }, 2, "TokenClient: --local needs the kubeconfig")]
    [TestCase(new[] { "--local", "/nonexistent" }, 2, "TokenClient: --local /nonexistent: no such kubeconfig")]
    [TestCase(new[] { "--TokenClient:TokenRequest:ServiceAccountName=web", "--TokenClient:TokenRequest:ApiServer:KubeconfigPath=/nonexistent", "--TokenClient:Count=1" }, 3, "TokenClient: configuration: ")]
    [TestCase(new[] { "--TokenClient:Count=abc" }, 3, "TokenClient: configuration: Failed to convert configuration value 'abc' at 'TokenClient:Count'")]
    [TestCase(new[] { "--TokenClient:ServerUrl=notaurl" }, 3, "TokenClient: configuration: TokenClient:ServerUrl is not an absolute URL")]
    public async Task TokenClient_BadInput_OneLineAndItsExitCode(string[] args, int exitCode, string message)
    {
        var result = await Executables.RunAsync(Executables.TokenClient, args);

        AssertOneLine(result, exitCode, message);
    }

    private static TcpListener TakePort(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private static void AssertOneLine(ProcessResult result, int exitCode, string message)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.ToString());
            Assert.That(result.StderrLines, Has.Count.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.Contain(message), result.ToString());
            Assert.That(result.Stderr + result.Stdout, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no stack trace");
        });
    }
}
