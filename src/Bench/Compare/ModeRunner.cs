using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verifier;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>Builds a host with the library's real registration for one mode and puts the corpus through it.</summary>
internal static class ModeRunner
{
    public static async Task<ModeResult> RunAsync(ModeConfiguration mode, ICompareTarget target, Corpus corpus, CompareOptions options, ProgressLine progress, CancellationToken ct)
    {
        var counter = new RequestCounter();
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
        builder.Services.AddHttpClient(ClusterHttpClient.Name).AddHttpMessageHandler(() => new CountingHandler(counter));

        using var host = builder.Build();
        target.VerifierStarting();
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
            using (var ready = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                ready.CancelAfter(TimeSpan.FromSeconds(30));
                await verifier.WaitUntilReadyAsync(ready.Token).ConfigureAwait(false);
            }

            target.VerifierReady();

            var result = new ModeResult(mode);
            var tokens = corpus.Tokens;
            for (var i = 0; i < tokens.Count; i++)
            {
                var verdict = await verifier.VerifyAsync(tokens[i].Token, ct).ConfigureAwait(false);
                result.Verdicts.Add((verdict.Succeeded, verdict.Reason));
                progress.Report($"{mode.Name}: agreement pass", i + 1, tokens.Count);
            }

            result.AgreementPassApiRequests = counter.Count;

            var pool = corpus.ValidTokens();
            async ValueTask<bool> Verify(int index) => (await verifier.VerifyAsync(pool[index % pool.Length], ct).ConfigureAwait(false)).Succeeded;
            foreach (var callers in new[] { 1, options.Concurrency })
            {
                progress.Report($"{mode.Name}: {callers} caller(s), {options.Rounds} x {options.Duration.TotalSeconds:0.#} s", 0, 1);
                result.Measurements.Add(await LoadRunner.MeasureAsync(mode.Name, Verify, callers, options.Duration, options.Rounds, () => counter.Count, ct,
                    () => target.ServerConnectionsOpened).ConfigureAwait(false));
            }

            ShadowReportWriter.Describe(host.Services, result);
            progress.Done($"{mode.Name,-22} done: {result.Measurements[0].OperationsPerSecond,12:N0} ops/s at 1 caller");
            return result;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
