using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Hybrid;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Validation;

namespace Bench.Soak;

/// <summary>
/// The soak: an embedded LocalApiServer on 127.0.0.1, one corpus, then for Local and Hybrid a host with the library's
/// real registration under <see cref="SoakOptions.Threads"/> callers for <see cref="SoakOptions.Duration"/>, sampled at
/// 20 %, 50 % and 100 % of the duration (1, 2.5 and 5 minutes by default).
/// </summary>
internal static class SoakRun
{
    private static readonly double[] Checkpoints = [0.2, 0.5, 1.0];

    // Each caller keeps the latencies of every 4th verification in a ring of this size.
    private const int LatencyRing = 1 << 16;

    public static async Task<IReadOnlyList<SoakModeResult>> RunAsync(SoakOptions options, TimeProvider time, TextWriter progress, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("soak-").FullName;
        try
        {
            await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = time }, cancellationToken).ConfigureAwait(false);
            var caFile = Path.Combine(directory, "ca.crt");
            var tokenFile = Path.Combine(directory, "reviewer-token");
            await File.WriteAllTextAsync(caFile, server.CaCertificatePem, cancellationToken).ConfigureAwait(false);
            server.CreateNamespace("verifier-system");
            server.CreateServiceAccount("verifier-system", "token-reviewer");
            server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "verifier-system", "token-reviewer");
            await File.WriteAllTextAsync(tokenFile, server.IssueToken("verifier-system", "token-reviewer", expirationSeconds: 4 * 3600), cancellationToken).ConfigureAwait(false);

            var accounts = new List<(string, string)>();
            foreach (var ns in new[] { "soak-a", "soak-b" })
            {
                server.CreateNamespace(ns);
            }

            for (var a = 0; a < options.ServiceAccounts; a++)
            {
                var ns = a % 2 == 0 ? "soak-a" : "soak-b";
                server.CreateServiceAccount(ns, $"sa-{a}");
                accounts.Add((ns, $"sa-{a}"));
            }

            var corpus = SoakCorpus.Create(server, accounts, options);
            progress.WriteLine($"soak: {corpus.Valid.Length:N0} valid, {corpus.Invalid.Length:N0} invalid and {corpus.BogusKid.Length:N0} bogus-kid tokens; Cache:MaxEntries {options.CacheMaxEntries:N0}; {options.Threads} thread(s), {options.Duration} per mode; API server {server.BaseAddress}");

            var results = new List<SoakModeResult>();
            foreach (var mode in new[] { VerificationMode.Local, VerificationMode.Hybrid })
            {
                results.Add(await RunModeAsync(mode, server, corpus, caFile, tokenFile, options, time, cancellationToken).ConfigureAwait(false));
            }

            return results;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<SoakModeResult> RunModeAsync(
        VerificationMode mode, LocalApiServer server, SoakCorpus corpus, string caFile, string tokenFile, SoakOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton(time);
        builder.Services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add(SoakCorpus.Audience);
            o.Mode = mode;
            o.ApiServer.Server = server.BaseAddress;
            o.ApiServer.CertificateAuthorityFile = caFile;
            o.ApiServer.TokenFile = tokenFile;
            o.Cache.MaxEntries = options.CacheMaxEntries;
        });

        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
            await verifier.WaitUntilReadyAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            var settings = host.Services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
            var probe = new CacheProbe(host.Services, verifier);
            var result = new SoakModeResult(mode)
            {
                ResultCacheBound = settings.Cache.MaxEntries,
                UnknownKidBound = settings.Keys.UnknownKeyNegativeCacheSize,
                BindingBound = settings.Hybrid.MaxBindings,
            };

            // Warm-up: every token once, so the caches reach their bounds before the heap is measured.
            foreach (var token in corpus.Valid.Concat(corpus.Invalid).Concat(corpus.BogusKid))
            {
                await verifier.VerifyAsync(token, cancellationToken).ConfigureAwait(false);
            }

            result.HeapAfterWarmupBytes = GC.GetTotalMemory(forceFullCollection: true);
            var requestsBefore = server.Counters.Total;
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var workers = new Worker[options.Threads];
            var started = time.GetTimestamp();
            var tasks = new Task[workers.Length];
            for (var t = 0; t < workers.Length; t++)
            {
                workers[t] = new Worker(verifier, corpus, seed: 7919 * (t + 1));
                var worker = workers[t];
                tasks[t] = Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None);
            }

            foreach (var fraction in Checkpoints)
            {
                var due = options.Duration * fraction - time.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                }

                result.Samples.Add(Sample(time.GetElapsedTime(started), workers, probe, server.Counters.Total - requestsBefore, gcBefore));
                Track(result, probe);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            result.Elapsed = time.GetElapsedTime(started);
            result.Verifications = workers.Sum(w => w.Count);
            result.Exceptions = workers.Sum(w => w.Exceptions);
            result.ApiRequests = server.Counters.Total - requestsBefore;
            Track(result, probe);
            (result.P50Microseconds, result.P99Microseconds) = Percentiles(workers);
            result.HeapAtEndBytes = GC.GetTotalMemory(forceFullCollection: true);
            GC.KeepAlive(verifier);
            return result;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static SoakSample Sample(TimeSpan at, Worker[] workers, CacheProbe probe, long apiRequests, (int, int, int) gcBefore)
    {
        using var process = Process.GetCurrentProcess();
        return new SoakSample(
            at,
            workers.Sum(w => w.Count),
            process.WorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            GC.CollectionCount(0) - gcBefore.Item1,
            GC.CollectionCount(1) - gcBefore.Item2,
            GC.CollectionCount(2) - gcBefore.Item3,
            probe.ResultCacheEntries,
            probe.UnknownKidEntries,
            probe.BindingEntries,
            apiRequests);
    }

    private static void Track(SoakModeResult result, CacheProbe probe)
    {
        result.MaxResultCacheEntries = Math.Max(result.MaxResultCacheEntries, probe.ResultCacheEntries);
        result.MaxUnknownKidEntries = Math.Max(result.MaxUnknownKidEntries, probe.UnknownKidEntries);
        result.MaxBindingEntries = Math.Max(result.MaxBindingEntries, probe.BindingEntries);
    }

    private static (double P50, double P99) Percentiles(Worker[] workers)
    {
        var all = workers.SelectMany(w => w.Latencies()).ToArray();
        if (all.Length == 0)
        {
            return (0, 0);
        }

        Array.Sort(all);
        double Micro(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return (Micro(all[all.Length / 2]), Micro(all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]));
    }

    /// <summary>The verifier's caches, read through the internals the library exposes for tests and benchmarks.</summary>
    private sealed class CacheProbe(IServiceProvider services, IServiceAccountTokenVerifier verifier)
    {
        private readonly LocalVerification _local = services.GetRequiredService<LocalVerification>();
        private readonly KeyStore _keys = services.GetRequiredService<KeyStore>();
        private readonly HybridVerification? _hybrid = (verifier as TokenVerifier)?.Strategy as HybridVerification;

        public int ResultCacheEntries => _local.Cache?.Count ?? 0;

        public int UnknownKidEntries => _keys.UnknownKeyIdCount;

        public int BindingEntries => _hybrid?.BindingCount ?? 0;
    }

    /// <summary>One caller: 50 % valid tokens, 25 % invalid ones, 25 % the bogus-kid flood; latencies of every 4th call.</summary>
    private sealed class Worker(IServiceAccountTokenVerifier verifier, SoakCorpus corpus, int seed)
    {
        private readonly long[] _latencies = new long[LatencyRing];
        private long _count;
        private long _exceptions;

        public long Count => Volatile.Read(ref _count);

        public long Exceptions => Volatile.Read(ref _exceptions);

        public IEnumerable<long> Latencies() => _latencies.Take((int)Math.Min(Count / 4, LatencyRing));

        public async Task RunAsync(CancellationToken stop)
        {
            var random = new Random(seed);
            var bogus = seed;
            while (!stop.IsCancellationRequested)
            {
                var pick = random.Next(4);
                var token = pick < 2 ? corpus.Valid[random.Next(corpus.Valid.Length)]
                    : pick == 2 ? corpus.Invalid[random.Next(corpus.Invalid.Length)]
                    : corpus.BogusKid[bogus++ % corpus.BogusKid.Length];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await verifier.VerifyAsync(token, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A soak counts what escapes instead of stopping at the first one.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _exceptions);
                }

                var n = Interlocked.Increment(ref _count);
                if ((n & 3) == 0)
                {
                    _latencies[(n >> 2) & (LatencyRing - 1)] = Stopwatch.GetTimestamp() - started;
                }
            }
        }
    }
}
