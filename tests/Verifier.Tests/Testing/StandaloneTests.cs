using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Tests.CommandLine;

namespace Verifier.Tests.Testing;

/// <summary>The runnable: <c>Verifier.Testing.Host --port 0 --kubeconfig PATH --service-account NS/NAME</c> serves kubectl and stops on Ctrl+C (SIGINT) or SIGTERM.</summary>
[Platform(Exclude = "Win", Reason = "Ctrl+C is delivered as SIGINT with kill(1)")]
public sealed class StandaloneTests
{
    [TestCase("-INT")]
    [TestCase("-TERM")]
    public async Task Main_WithKubeconfig_ServesKubectlAndStopsOnSignal(string signal)
    {
        using var kubectl = new Kubectl();
        var dll = Executables.LocalApiServerHost;
        // Started as a terminal starts it: a runner that itself runs in the background (CI, nohup, `cmd &`) has SIGINT
        // ignored, children inherit that, and .NET then leaves Ctrl+C ignored too. env(1) puts INT and TERM back.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        foreach (var a in (string[])["--default-signal=INT,TERM", dotnet, dll, "--port", "0", "--kubeconfig", kubectl.KubeconfigPath, "--service-account", "token-demo/token-client-test"])
        {
            info.ArgumentList.Add(a);
        }

        using var server = Process.Start(info)!;
        var output = new StringBuilder();
        try
        {
            using (var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (await server.StandardOutput.ReadLineAsync(startup.Token) is { } line)
                {
                    output.AppendLine(line);
                    if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
            }

            var version = await kubectl.RunAsync("get", "--raw", "/version");
            var discovery = await kubectl.RunAsync("get", "--raw", "/.well-known/openid-configuration");
            var seeded = await kubectl.RunAsync("-n", "token-demo", "create", "token", "token-client-test", "--audience", "factors");

            using (var kill = Process.Start("kill", [signal, server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var rest = server.StandardOutput.ReadToEndAsync();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await server.WaitForExitAsync(exit.Token);
            output.Append(await rest);

            Assert.Multiple(() =>
            {
                Assert.That(output.ToString(), Does.Contain("LocalApiServer listening on https://127.0.0.1:")
                    .And.Contain("issuer:        https://kubernetes.default.svc.cluster.local")
                    .And.Contain("kubeconfig:    " + kubectl.KubeconfigPath));
                Assert.That(File.ReadAllText(kubectl.KubeconfigPath), Does.Contain("certificate-authority-data: ").And.Contain("current-context: "));
                Assert.That(version.ExitCode, Is.Zero, version.Stderr);
                Assert.That(JsonNode.Parse(version.Stdout)!["major"]!.GetValue<string>(), Is.EqualTo("1"));
                Assert.That(discovery.ExitCode, Is.Zero, discovery.Stderr);
                Assert.That(discovery.Stdout, Does.StartWith("{\"issuer\":\"https://kubernetes.default.svc.cluster.local\""));
                Assert.That(seeded.ExitCode, Is.Zero, "--service-account created token-demo/token-client-test: " + seeded.Stderr);
                Assert.That(output.ToString(), Does.Contain("created:       serviceaccount token-demo/token-client-test"));
                Assert.That(server.ExitCode, Is.Zero);
                Assert.That(output.ToString(), Does.Contain("Stopping."));
            });
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }
}
