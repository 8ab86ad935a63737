using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Tests.Cluster;
using Verifier.Tests.Deploy;

namespace Verifier.Tests.Samples;

/// <summary>
/// samples/VerifierSidecar as a separate process, configured only through switches as a container would be through
/// environment variables, against LocalApiServer: it waits for keys, then answers plain and TokenReview requests.
/// </summary>
public sealed partial class VerifierSidecarTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Sidecar_ConfiguredBySwitches_VerifiesPlainAndTokenReview()
    {
        await using var api = await LocalApiServer.StartAsync();
        using var directory = new TempDirectory();
        var kubeconfig = Path.Combine(directory.Path, "kubeconfig");
        api.WriteKubeconfig(kubeconfig);
        var token = api.IssueToken("default", "default", ["factors"]);

        using var sidecar = StartSidecar(
            "--urls=http://127.0.0.1:0",
            $"--Verifier:ApiServer:KubeconfigPath={kubeconfig}",
            "--Verifier:Mode=Local",
            "--Verifier:Audiences:0=factors",
            "--Verifier:Startup:WaitUntilReady=true",
            "--Sidecar:Path=/check");
        try
        {
            var baseAddress = await sidecar.ListeningAsync.WaitAsync(Bound);
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = Bound };

            var ready = await EventuallyHealthyAsync(http);
            using var plain = await http.PostAsync(new Uri("/check", UriKind.Relative), Json("{\"token\":\"" + token + "\"}"));
            using var review = await http.PostAsync(
                new Uri("/check/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative),
                Json("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\"}}"));
            using var rejected = await http.PostAsync(new Uri("/check", UriKind.Relative), Json("{\"token\":\"" + token[..^4] + "AAAA\"}"));

            var reviewBody = JsonNode.Parse(await review.Content.ReadAsStringAsync())!;
            await Assert.MultipleAsync(async () =>
            {
                Assert.That(ready, Is.EqualTo("Healthy"));
                Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["username"]!.GetValue<string>(), Is.EqualTo("system:serviceaccount:default:default"));
                Assert.That(review.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                Assert.That(reviewBody["status"]!["authenticated"]!.GetValue<bool>(), Is.True);
                Assert.That(reviewBody["status"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()), Is.EqualTo(new[] { "factors" }));
                Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            });
        }
        finally
        {
            sidecar.Stop();
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<string> EventuallyHealthyAsync(HttpClient http) =>
        Eventually.ValueAsync(
            async cancel =>
            {
                using var response = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative), cancel);
                return await response.Content.ReadAsStringAsync(cancel);
            },
            body => body == "Healthy",
            "the sidecar's /healthz/ready answering Healthy",
            Bound);

    private static SidecarProcess StartSidecar(params string[] args)
    {
        // Same configuration as this test assembly (bin/<Configuration>/net10.0).
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(RepositoryRoot.Path, "samples", "VerifierSidecar", "bin", configuration, "net10.0", "VerifierSidecar.dll");
        Assert.That(dll, Does.Exist, "the sidecar is built with the test project (ReferenceOutputAssembly=false)");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A container sets nothing else; keep the developer's ASPNETCORE_* settings out of it.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        info.Environment["DOTNET_NOLOGO"] = "1";
        return new SidecarProcess(Process.Start(info)!);
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    private sealed class SidecarProcess : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _output = new();

        public SidecarProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => OnLine(e.Data);
            _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            _process.EnableRaisingEvents = true;
            _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("The sidecar exited early:\n" + Output));
        }

        public Task<Uri> ListeningAsync => _listening.Task;

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
    }
}
