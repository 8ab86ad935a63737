using System.Text;
using System.Text.Json;
using Bench.Compare;
using NUnit.Framework;
using Verifier.Cluster;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Bench;

/// <summary>
/// `compare --kubeconfig` with a kubeconfig whose user is an exec credential plugin (as EKS, GKE and AKS hand out),
/// against a LocalApiServer standing in for the managed cluster: the run completes and writes a full report.
/// Bounded: a handful of tokens, 50 ms measurements, three modes.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CompareExecPluginTests
{
    [Test]
    public async Task Compare_KubeconfigWithExecPlugin_ProducesAFullReport()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var scripts = new ExecPluginScripts();
        scripts.Write("bin/get-token", scripts.Counter + ExecPluginScripts.Print(ExecCredentialSettings.V1Beta1, server.AdminToken));
        var kubeconfig = scripts.WriteFile("config", $"""
            apiVersion: v1
            kind: Config
            current-context: managed
            clusters:
            - name: managed
              cluster:
                server: {server.BaseAddress.AbsoluteUri}
                certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(server.CaCertificatePem))}
            contexts:
            - name: managed
              context:
                cluster: managed
                user: managed-user
            users:
            - name: managed-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/get-token
                  args: [eks, get-token, --cluster-name, managed]
            """);
        var json = scripts.PathOf("report.json");

        var exit = await CompareCommand.RunAsync([
            "--kubeconfig", kubeconfig, "--namespace", "default", "--modes", "local,tokenreview-uncached,hybrid",
            "--valid-tokens", "6", "--per-category", "2", "--pods", "1", "--service-accounts", "1",
            "--concurrency", "2", "--duration", "0.05", "--rounds", "1", "--json", json, "--no-progress",
        ]).WaitAsync(TimeSpan.FromMinutes(2));

        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        var rows = root.GetProperty("agreement").EnumerateArray().ToDictionary(r => r.GetProperty("category").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, "every disagreement is explained");
            Assert.That(root.GetProperty("target").GetString(), Does.Contain(kubeconfig));
            Assert.That(rows[nameof(TokenCategory.Valid)].GetProperty("referenceAccepted").GetInt32(), Is.EqualTo(6), "TokenReview with the plugin's token accepts every valid token");
            Assert.That(rows.Keys, Is.SupersetOf(new[] { nameof(TokenCategory.Valid), nameof(TokenCategory.WrongAudience), nameof(TokenCategory.TamperedSignature), nameof(TokenCategory.Malformed) }));
            Assert.That(root.GetProperty("skippedCategories").EnumerateObject().Select(p => p.Name), Does.Contain(nameof(TokenCategory.DeletedPod)));
            Assert.That(root.GetProperty("performance").EnumerateArray().Select(m => m.GetProperty("name").GetString()),
                Is.SupersetOf(new[] { "local", "tokenreview-uncached", "hybrid", "https-noop-floor" }));
            Assert.That(root.GetProperty("performance").EnumerateArray().Select(m => m.GetProperty("operations").GetInt64()), Is.All.GreaterThan(0));
            Assert.That(scripts.Runs, Is.GreaterThan(0));
        });
    }
}
