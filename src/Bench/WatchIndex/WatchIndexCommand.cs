using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Verifier;
using Verifier.Testing;
using Verifier.Watch;

namespace Bench.WatchIndex;

/// <summary>
/// <c>Bench watch-index</c>: the initial list time and memory of watch mode's index (issue 13), see
/// <see cref="WatchIndexOptions.Usage"/>. A timed run of its own rather than a BenchmarkDotNet class: one list of
/// 10 000 pods takes long enough that a few rounds say more than BenchmarkDotNet's many iterations would.
/// </summary>
internal static class WatchIndexCommand
{
    private const string VerifierNamespace = "kube-system";
    private const string VerifierAccount = "token-verifier";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = WatchIndexOptions.Parse(args, out var problem, out var help);
        if (options is null)
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return 2;
        }

        if (help)
        {
            await output.WriteLineAsync(WatchIndexOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        var started = DateTimeOffset.UtcNow;
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions()).ConfigureAwait(false);
        Seed(server, options);
        var directory = Directory.CreateTempSubdirectory("watch-index-").FullName;
        try
        {
            var tokenFile = Path.Combine(directory, "token");
            await File.WriteAllTextAsync(tokenFile, server.IssueToken(VerifierNamespace, VerifierAccount, expirationSeconds: 3600)).ConfigureAwait(false);
            var rounds = new List<WatchIndexRound>();
            for (var round = 0; round < options.Rounds; round++)
            {
                rounds.Add(await MeasureAsync(server, options, tokenFile).ConfigureAwait(false));
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"watch-index: round {round + 1}/{options.Rounds}: {rounds[^1].ListMilliseconds:0} ms")).ConfigureAwait(false);
            }

            Write(output, options, started, rounds);
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Seed(LocalApiServer server, WatchIndexOptions options)
    {
        server.CreateServiceAccount(VerifierNamespace, VerifierAccount);
        server.GrantClusterRole(LocalApiServerRoles.BoundObjectWatcher, VerifierNamespace, VerifierAccount);
        for (var n = 0; n < options.Namespaces; n++)
        {
            server.CreateNamespace("ns-" + n);
        }

        for (var a = 0; a < options.ServiceAccounts; a++)
        {
            server.CreateServiceAccount("ns-" + (a % options.Namespaces), "sa-" + a);
        }

        for (var p = 0; p < options.Pods; p++)
        {
            var account = p % options.ServiceAccounts;
            server.CreatePod("ns-" + (account % options.Namespaces), "pod-" + p, "sa-" + account, "node-" + (p % 3));
        }

        for (var n = 0; n < 3; n++)
        {
            server.CreateNode("node-" + n);
        }
    }

    /// <summary>A fresh verifier (watch mode, the library's registration) whose worker lists everything once.</summary>
    private static async Task<WatchIndexRound> MeasureAsync(LocalApiServer server, WatchIndexOptions options, string tokenFile)
    {
        var services = new ServiceCollection();
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Mode = VerificationMode.Watch;
            o.Audiences = ["bench"];
            o.ApiServer.Server = server.BaseAddress;
            o.ApiServer.CertificateAuthorityData = server.CaCertificatePem;
            o.ApiServer.TokenFile = tokenFile;
            o.ApiServer.UseInCluster = false;
            o.Watch.ListPageSize = options.PageSize;
        });
        await using var provider = services.BuildServiceProvider();
        var worker = provider.GetServices<IHostedService>().OfType<BoundObjectWatchWorker>().Single();
        var index = provider.GetRequiredService<BoundObjectIndex>();

        var requestsBefore = server.Counters.Count(ApiEndpoint.List);
        var bytesBefore = server.Counters.BytesSent(ApiEndpoint.List);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await worker.StartAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await index.WaitUntilSyncedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var objects = index.ObjectCount;

            // What the index itself keeps: the heap with its objects, minus the heap once they are cleared while
            // everything else (worker, open streams, HTTP client) stays. A before/after-start difference would also
            // count whatever the previous round's verifier had not yet released.
            var heapSynced = GC.GetTotalMemory(forceFullCollection: true);
            foreach (var scope in index.Scopes)
            {
                scope.Objects.Clear();
            }

            var heapCleared = GC.GetTotalMemory(forceFullCollection: true);
            GC.KeepAlive(index);
            return new WatchIndexRound(elapsed.TotalMilliseconds, server.Counters.Count(ApiEndpoint.List) - requestsBefore,
                server.Counters.BytesSent(ApiEndpoint.List) - bytesBefore, objects, heapSynced - heapCleared, allocated);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void Write(TextWriter output, WatchIndexOptions options, DateTimeOffset started, List<WatchIndexRound> rounds)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"watch-index run {started:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}"));
        output.WriteLine(string.Create(inv, $"{options.Pods} pods, {options.ServiceAccounts} service accounts in {options.Namespaces} namespaces, 3 nodes; list pages of {options.PageSize}; {options.Rounds} rounds, a fresh verifier each"));
        output.WriteLine();
        output.WriteLine("| round | initial list (worker start → synced) | list requests | list bytes | objects indexed | index heap | per object | allocated |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < rounds.Count; i++)
        {
            output.WriteLine(Row((i + 1).ToString(inv), rounds[i]));
        }

        output.WriteLine(Row("median (by time)", rounds.OrderBy(static r => r.ListMilliseconds).ElementAt(rounds.Count / 2)));
        output.WriteLine();
        output.WriteLine("Heap retained: what the index's objects keep (entries, names, uids, deletion timestamps): the managed heap after a full GC once synced, minus the same once they are cleared. " +
            "Allocated: the whole process from the worker's start until synced, the embedded API server's serialization included.");
    }

    private static string Row(string label, WatchIndexRound r) => string.Create(CultureInfo.InvariantCulture,
        $"| {label} | {r.ListMilliseconds:0} ms | {r.ListRequests} | {r.ListBytes / 1048576.0:0.0} MiB | {r.Objects:N0} | {r.RetainedBytes / 1048576.0:0.0} MiB | {(r.Objects == 0 ? 0 : r.RetainedBytes / (double)r.Objects):0} B | {r.AllocatedBytes / 1048576.0:0} MiB |");
}
