using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>Builds a host with the library's real registration for one mode and puts the corpus through it.</summary>
internal static class ModeRunner
{
    public static async Task<ModeResult> RunAsync(ModeConfiguration mode, ICompareTarget target, Corpus corpus, CompareOptions options, ProgressLine progress, CancellationToken ct)
    {
        var counter = new RequestCounter();
        var all = new RequestCounter();
        var watches = new RequestCounter();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton(target.Time);
        builder.Services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add(CompareRun.Audience);
            o.Mode = mode.Mode;
            target.ConfigureVerifierConnection(o.ApiServer);
            foreach (var issuer in target.Issuers)
            {
                o.Issuers.Add(issuer);
            }

            mode.Configure(o);
        });
        builder.Services.AddHttpClient(ClusterHttpClient.Name).AddHttpMessageHandler(() => new CountingHandler(counter, all, watches));

        using var host = builder.Build();
        target.VerifierStarting();
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
            using (var ready = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                ready.CancelAfter(TimeSpan.FromSeconds(30));
                await verifier.WaitUntilReadyAsync(ready.Token).ConfigureAwait(false);
            }

            var result = new ModeResult(mode);

            // Watch mode answers from its index once every stream has listed; before that it falls back to
            // TokenReview. The agreement pass and the load measure the synced index, as a replica serves after start.
            if (verifier.GetStatus().WatchSynced is not null)
            {
                progress.Report($"{mode.Name}: waiting for the index to sync", 0, 1);
                result.WatchSyncSeconds = await WaitUntilSyncedAsync(verifier, started, ct).ConfigureAwait(false);
            }

            result.StartupApiRequests = all.Count;
            target.VerifierReady();

            var tokens = corpus.Tokens;
            for (var i = 0; i < tokens.Count; i++)
            {
                var verdict = await verifier.VerifyAsync(tokens[i].Token, ct).ConfigureAwait(false);
                result.Verdicts.Add((verdict.Succeeded, verdict.Reason));
                progress.Report($"{mode.Name}: agreement pass", i + 1, tokens.Count);
            }

            result.AgreementPassApiRequests = counter.Count;
            result.AgreementPassAllApiRequests = all.Count - result.StartupApiRequests;

            var pool = corpus.ValidTokens();
            async ValueTask<bool> Verify(int index) => (await verifier.VerifyAsync(pool[index % pool.Length], ct).ConfigureAwait(false)).Succeeded;
            foreach (var callers in new[] { 1, options.Concurrency })
            {
                progress.Report($"{mode.Name}: {callers} caller(s), {options.Rounds} x {options.Duration.TotalSeconds:0.#} s", 0, 1);
                result.Measurements.Add(await LoadRunner.MeasureAsync(mode.Name, Verify, callers, options.Duration, options.Rounds, () => counter.Count, ct,
                    () => target.ServerConnectionsOpened, () => all.Count).ConfigureAwait(false));
            }

            // This verifier is the only one running: what the server holds open now is one replica's streams.
            result.WatchStreamsOpen = watches.Count == 0 ? (target.ServerOpenWatches is null ? null : 0) : target.ServerOpenWatches;
            if (options.Revocation && RevocationProbe.Applies(mode.Mode) && target.Revocation is { } revocation)
            {
                progress.Report($"{mode.Name}: revocation latency (pod deleted, clock past the 60 s leeway)", 0, 1);
                var o = host.Services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
                var ttl = o.Hybrid.LivenessTtl > o.TokenReview.SuccessTtl ? o.Hybrid.LivenessTtl : o.TokenReview.SuccessTtl;
                result.Revocation = await RevocationProbe.RunAsync(mode.Name, verifier, revocation, target.Time, ttl + TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            }

            result.WatchRequests = watches.Count;

            ShadowReportWriter.Describe(host.Services, result);
            progress.Done($"{mode.Name,-22} done: {result.Measurements[0].OperationsPerSecond,12:N0} ops/s at 1 caller" +
                (result.Revocation is { } r ? $", revoked in {(r.LatencyMilliseconds is { } ms ? $"{ms:0.#} ms" : r.Problem)}" : ""));
            return result;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Seconds from <paramref name="started"/> until the watch index is synced; null when it is not within 30 s (the run then measures the fallback).</summary>
    private static async Task<double?> WaitUntilSyncedAsync(IServiceAccountTokenVerifier verifier, long started, CancellationToken ct) =>
        await Polling.UntilAsync(() => verifier.GetStatus().WatchSynced == true, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(5), ct).ConfigureAwait(false)
            ? Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3)
            : null;
}
