using System.Runtime.InteropServices;
using Bench.Compare;
using Verifier.Testing;

namespace Bench.E2e;

/// <summary>
/// <c>Bench e2e-apiserver --dir DIR [--tokens N] [--pods N] [--service-accounts N] [--tokenreview-latency-ms N]</c>: the API server of the
/// end-to-end run (src/Bench/e2e.sh), in a process of its own so the driver can keep it off the server's core. It
/// starts a <see cref="LocalApiServer"/> on 127.0.0.1 with kube-apiserver's 10 s token cache, creates the pods and
/// service accounts, mints the corpus through TokenRequest, writes <see cref="E2eFiles"/> and serves until SIGTERM.
/// <c>--tokenreview-latency-ms</c> delays every TokenReview answer (a remote API server's round trip; default 0).
/// </summary>
internal static class E2eApiServerCommand
{
    private const string Namespace = "e2e";
    private const string ReviewerNamespace = "verifier-system";
    private const string ReviewerAccount = "token-reviewer";
    private static readonly HashSet<string> Known = ["--dir", "--tokens", "--pods", "--service-accounts", "--tokenreview-latency-ms"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var parsed = E2eArguments.Parse("e2e-apiserver", args, Known, out var problem);
        if (parsed is null || parsed["--dir"] is not { } directory)
        {
            await error.WriteLineAsync(problem ?? "e2e-apiserver: --dir DIR is required (where url, ca.crt, tokens-*.txt are written)").ConfigureAwait(false);
            return 2;
        }

        if (parsed.PositiveInt("--tokens", 1000) is not { } tokens || parsed.PositiveInt("--pods", 100) is not { } pods
            || parsed.PositiveInt("--service-accounts", 20) is not { } accounts)
        {
            await error.WriteLineAsync("e2e-apiserver: --tokens, --pods and --service-accounts take a positive integer").ConfigureAwait(false);
            return 2;
        }

        var latency = 0;
        if (parsed["--tokenreview-latency-ms"] is { } latencyText && !int.TryParse(latencyText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out latency))
        {
            await error.WriteLineAsync("e2e-apiserver: --tokenreview-latency-ms takes a whole number of milliseconds (0 = none)").ConfigureAwait(false);
            return 2;
        }

        Directory.CreateDirectory(directory);
        var files = new E2eFiles(directory);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        // kube-apiserver caches successful token authentications for 10 s; a hand-written TokenReview per request
        // would otherwise pay a full verification on the API server that a real cluster does not.
        var options = new LocalApiServerOptions { TokenReviewCacheTtl = TimeSpan.FromSeconds(10) };
        await using var server = await LocalApiServer.StartAsync(options, stop.Token).ConfigureAwait(false);
        server.CreateNamespace(ReviewerNamespace);
        server.CreateServiceAccount(ReviewerNamespace, ReviewerAccount);
        server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, ReviewerNamespace, ReviewerAccount);
        server.CreateNamespace(Namespace);
        for (var n = 0; n < 3; n++)
        {
            server.CreateNode($"node-{n}");
        }

        for (var a = 0; a < accounts; a++)
        {
            server.CreateServiceAccount(Namespace, $"sa-{a}");
        }

        for (var p = 0; p < pods; p++)
        {
            server.CreatePod(Namespace, $"pod-{p}", $"sa-{p % accounts}", $"node-{p % 3}");
        }

        await File.WriteAllTextAsync(files.CaCertificate, server.CaCertificatePem, stop.Token).ConfigureAwait(false);
        await File.WriteAllTextAsync(files.ReviewerToken, server.IssueToken(ReviewerNamespace, ReviewerAccount, expirationSeconds: 24 * 3600), stop.Token).ConfigureAwait(false);
        var adminTokenFile = Path.Combine(directory, "admin-token");
        await File.WriteAllTextAsync(adminTokenFile, server.AdminToken, stop.Token).ConfigureAwait(false);

        // Pod-bound tokens as kubelet requests them, through TokenRequest: token i belongs to pod i mod pods.
        var minted = new string[tokens];
        await using (var admin = new ApiConnection(o => { o.Server = server.BaseAddress; o.CertificateAuthorityFile = files.CaCertificate; o.TokenFile = adminTokenFile; }, TimeProvider.System))
        {
            await Parallel.ForAsync(0, tokens, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = stop.Token }, async (i, ct) =>
            {
                var pod = i % pods;
                minted[i] = await CorpusBuilder.RequestTokenAsync(admin.Client, Namespace, $"sa-{pod % accounts}", $"pod-{pod}", 24 * 3600, ct, E2eFiles.Audience).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        File.Delete(adminTokenFile);
        await File.WriteAllLinesAsync(files.ManyTokens, minted, stop.Token).ConfigureAwait(false);
        await File.WriteAllLinesAsync(files.OneToken, [minted[0]], stop.Token).ConfigureAwait(false);
        await File.WriteAllTextAsync(files.Issuer, server.Issuer, stop.Token).ConfigureAwait(false);
        await File.WriteAllTextAsync(files.Url, server.BaseAddress.ToString(), stop.Token).ConfigureAwait(false);
        if (latency > 0)
        {
            server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Delay(TimeSpan.FromMilliseconds(latency)));
        }

        await File.WriteAllTextAsync(files.Ready, "ready\n", stop.Token).ConfigureAwait(false);
        await output.WriteLineAsync($"e2e-apiserver: {server.BaseAddress} ready, {tokens} tokens over {pods} pods and {accounts} service accounts, TokenReview latency {latency} ms").ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await output.WriteLineAsync($"e2e-apiserver: stopping after {server.Counters.Count(ApiEndpoint.TokenReview)} TokenReviews").ConfigureAwait(false);
        return 0;
    }
}
