using System.Diagnostics;
using Bench.Compare;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verifier;
using Verifier.Cluster;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Validation;
using Verifier.Watch;

namespace Bench.Fleet;

/// <summary>
/// The fleet run: one embedded LocalApiServer, and per mode and instance count that many verifier hosts in this process,
/// each built with <c>AddKubernetesTokenVerifier</c>. Every figure is a difference of the server's
/// <see cref="ApiCounters"/> across a phase; a handler on each verifier's named HTTP client counts the same requests
/// from the other side. The clock is shared and moved only by hand (1 s per second of load), so steady state over
/// TTLs of 10 s takes no real waiting and does not depend on how fast this machine is.
/// </summary>
internal sealed class FleetRun : IAsyncDisposable
{
    public const string Audience = "fleet";
    public const string VerifiersShape = "verifiers";
    public const string SidecarShape = "sidecar";
    private const string ReviewerNamespace = "verifier-system";
    private const string ReviewerAccount = "token-reviewer";
    private static readonly string[] Namespaces = ["fleet-a", "fleet-b"];

    /// <summary>Watch mode with <c>Watch:Namespaces</c> = the first namespace (its callers are that namespace's pods).</summary>
    private const string WatchNamespaceMode = "watch-ns";

    private readonly FleetOptions _options;
    private readonly TextWriter _progress;
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _directory = Directory.CreateTempSubdirectory("fleet-").FullName;
    private readonly List<SigningKey> _keys = [];
    private readonly RequestCounter _clientRequests = new();
    private readonly RequestCounter _failedSends = new();
    private readonly KindTally _kinds = new();
    private readonly List<ShadowVerification> _shadows = [];
    private LocalApiServer? _server;

    private FleetRun(FleetOptions options, TextWriter progress)
    {
        _options = options;
        _progress = progress;
    }

    private LocalApiServer Server => _server ?? throw new InvalidOperationException("not started");

    private string CaFile => Path.Combine(_directory, "ca.crt");

    private string TokenFile => Path.Combine(_directory, "reviewer-token");

    /// <summary>Runs everything <paramref name="options"/> asks for. <paramref name="progress"/> gets one line per measurement.</summary>
    public static async Task<FleetResult> RunAsync(FleetOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        await using var run = new FleetRun(options, progress);
        return await run.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<FleetResult> RunAsync(CancellationToken ct)
    {
        var first = NewKey();
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = _time, SigningKey = first }, ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(CaFile, Server.CaCertificatePem, ct).ConfigureAwait(false);
        Server.CreateNamespace(ReviewerNamespace);
        Server.CreateServiceAccount(ReviewerNamespace, ReviewerAccount);
        Server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, ReviewerNamespace, ReviewerAccount);

        // Watch mode lists and watches service accounts, pods, secrets and nodes by default; the emulator's "view"
        // role, like Kubernetes' own, has no secrets, so the verifiers' account gets cluster-admin here.
        Server.GrantClusterRole(LocalApiServerRoles.ClusterAdmin, ReviewerNamespace, ReviewerAccount);
        await File.WriteAllTextAsync(TokenFile, Server.IssueToken(ReviewerNamespace, ReviewerAccount, expirationSeconds: 24 * 3600), ct).ConfigureAwait(false);
        CreateObjects();

        var result = new FleetResult(_options) { ApiServer = Server.BaseAddress.ToString() };

        // Full-object lists of pods and service accounts, for comparison with watch mode's metadata-only lists.
        using (var admin = Server.CreateHttpClient(Server.AdminToken))
        {
            var before = Server.Counters.BytesSent(ApiEndpoint.List);
            (await admin.GetAsync(new Uri("api/v1/pods", UriKind.Relative), ct).ConfigureAwait(false)).EnsureSuccessStatusCode();
            var pods = Server.Counters.BytesSent(ApiEndpoint.List);
            (await admin.GetAsync(new Uri("api/v1/serviceaccounts", UriKind.Relative), ct).ConfigureAwait(false)).EnsureSuccessStatusCode();
            result.PodListBytes = pods - before;
            result.ServiceAccountListBytes = Server.Counters.BytesSent(ApiEndpoint.List) - pods;
        }

        // Memory first, on a quiet heap: after the modes, stopped hosts' connections and watch buffers are still
        // being released (and the server's pools trimmed) while it measures, which can make a difference negative.
        (result.BytesPerCachedResult, result.CachedResults) = await MeasureResultCacheMemoryAsync(ct).ConfigureAwait(false);
        (result.BytesPerBinding, result.Bindings) = await MeasureBindingMemoryAsync(ct).ConfigureAwait(false);

        // From here on every request counted by the server comes from a verifier of this run.
        Server.Counters.Reset();
        var clientBefore = _clientRequests.Count;
        foreach (var mode in _options.Modes)
        {
            foreach (var instances in _options.Instances)
            {
                await MeasureVerifiersAsync(result, mode, instances, ct).ConfigureAwait(false);
            }

            await MeasureSidecarAsync(result, mode, _options.Instances[^1], ct).ConfigureAwait(false);
        }

        result.ServerTotal = ApiTally.Read(Server.Counters).Requests;
        result.ClockMovedForRetries = ClockMovedForRetries;
        result.FailedSends = _failedSends.Count;
        result.FailedApiResponses = Enum.GetValues<ApiEndpoint>().Sum(e => Server.Counters.ByStatus(e).Where(p => p.Key is < 200 or >= 300).Sum(p => p.Value));
        result.ClientTotal = _clientRequests.Count - clientBefore;
        return result;
    }

    private void CreateObjects()
    {
        foreach (var ns in Namespaces)
        {
            Server.CreateNamespace(ns);
        }

        for (var n = 0; n < 10; n++)
        {
            Server.CreateNode($"node-{n}");
        }

        for (var a = 0; a < _options.ServiceAccounts; a++)
        {
            Server.CreateServiceAccount(NamespaceOf(a), $"sa-{a}");
        }

        for (var p = 0; p < _options.Pods; p++)
        {
            var account = p % _options.ServiceAccounts;
            Server.CreatePod(NamespaceOf(account), $"pod-{p}", $"sa-{account}", $"node-{p % 10}");
        }
    }

    private static string NamespaceOf(int account) => Namespaces[account % Namespaces.Length];

    /// <summary>A pod-bound token of pod <paramref name="pod"/>, signed with the current key (in process: no API request).</summary>
    private string PodToken(int pod)
    {
        var account = pod % _options.ServiceAccounts;
        return Server.IssueToken(NamespaceOf(account), $"sa-{account}", [Audience], expirationSeconds: 6 * 3600, boundObject: BoundObjectRef.Pod($"pod-{pod}"));
    }

    /// <summary>
    /// The callers every replica sees: the first <see cref="FleetOptions.Callers"/> pods; for <c>watch-ns</c> (a verifier
    /// watching only its own namespace) the first ones in that namespace, as an app's callers there would be.
    /// </summary>
    private string[] CallerTokens(string mode)
    {
        var pods = Enumerable.Range(0, _options.Pods);
        if (mode == WatchNamespaceMode)
        {
            pods = pods.Where(p => NamespaceOf(p % _options.ServiceAccounts) == Namespaces[0]);
        }

        var tokens = pods.Take(_options.Callers).Select(PodToken).ToArray();
        return tokens.Length == _options.Callers
            ? tokens
            : throw new FleetRunException($"{mode}: only {tokens.Length} pods in {Namespaces[0]} for {_options.Callers} callers; use more --pods");
    }

    private static bool IsWatch(string mode) => mode is "watch" or WatchNamespaceMode;

    private SigningKey NewKey()
    {
        var key = SigningKey.CreateRsa();
        _keys.Add(key);
        return key;
    }

    private async Task MeasureVerifiersAsync(FleetResult result, string mode, int instances, CancellationToken ct)
    {
        var tokens = CallerTokens(mode);
        var hosts = new List<IHost>(instances);
        try
        {
            var (start, ready) = await PhaseAsync(async () =>
            {
                for (var i = 0; i < instances; i++)
                {
                    hosts.Add(BuildHost(mode));
                }

                // Started together, as a rollout of the whole fleet would.
                var times = await Task.WhenAll(hosts.Select(h => StartAsync(h, mode, ct))).ConfigureAwait(false);

                // Watch mode: the start ends when every verifier's streams are open at the server.
                await WaitForOpenStreamsAsync(hosts.Sum(h => StreamsOf(h.Services, mode))).ConfigureAwait(false);
                return times;
            }).ConfigureAwait(false);
            result.Rows.Add(Row(mode, VerifiersShape, instances, "start", start, 0, 0, 0) with { Ready = Summarize(ready) });

            var verifiers = hosts.Select(h => h.Services.GetRequiredService<IServiceAccountTokenVerifier>()).ToArray();
            TrackShadows(verifiers);
            await RunPhasesAsync(result, mode, VerifiersShape, instances, tokens, (token, replica) => VerifyAsync(verifiers[replica % verifiers.Length], token, ct), ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                host.Dispose();
            }

            // The next measurement starts from no open stream.
            await WaitForOpenStreamsAsync(0).ConfigureAwait(false);
        }

        await _progress.WriteLineAsync($"fleet: {mode,-11} {instances,3} verifier(s) measured").ConfigureAwait(false);
    }

    /// <summary>
    /// The same load as <paramref name="appReplicas"/> verifiers would see, sent by that many app replicas to one
    /// verifier behind the HTTP verify endpoint (<c>MapKubernetesTokenVerification</c>, what samples/VerifierSidecar serves).
    /// </summary>
    private async Task MeasureSidecarAsync(FleetResult result, string mode, int appReplicas, CancellationToken ct)
    {
        var tokens = CallerTokens(mode);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        Register(builder.Services, mode);
        await using var app = builder.Build();
        app.MapKubernetesTokenVerification("/verify");
        var (start, ready) = await PhaseAsync(async () =>
        {
            var time = await StartAsync(app, mode, ct).ConfigureAwait(false);
            await WaitForOpenStreamsAsync(StreamsOf(app.Services, mode)).ConfigureAwait(false);
            return new[] { time };
        }).ConfigureAwait(false);
        result.Rows.Add(Row(mode, SidecarShape, appReplicas, "start", start, 0, 0, 0) with { Ready = Summarize(ready) });
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address + "/") };
            TrackShadows([app.Services.GetRequiredService<IServiceAccountTokenVerifier>()]);
            await RunPhasesAsync(result, mode, SidecarShape, appReplicas, tokens, async (token, _) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("verify", UriKind.Relative));
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
                return response.IsSuccessStatusCode;
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await WaitForOpenStreamsAsync(0).ConfigureAwait(false);
        }

        await _progress.WriteLineAsync($"fleet: {mode,-11} sidecar for {appReplicas} app replicas measured").ConfigureAwait(false);
    }

    /// <summary>First pass, steady state and rotation; <paramref name="verify"/> takes a token and the replica (caller) index.</summary>
    private async Task RunPhasesAsync(FleetResult result, string mode, string shape, int replicas, string[] tokens, Func<string, int, Task<bool>> verify, CancellationToken ct)
    {
        // First pass: every replica meets every caller once (reviews of new tokens and bindings).
        var (first, firstCounts) = await PhaseAsync(() => LoadAsync(replicas, tokens, tokens.Length, 0, verify, ct)).ConfigureAwait(false);
        result.Rows.Add(Row(mode, shape, replicas, "first pass", first, 0, firstCounts.Verifications, firstCounts.Failures));

        // Steady state: the shared clock moves 1 s, then every replica verifies Rate tokens round-robin over the callers;
        // Seconds times. The first pass was at second 0, so verdicts of a TTL of T s are renewed at T, 2T, ...
        var started = _time.GetUtcNow();
        var (steady, steadyCounts) = await PhaseAsync(async () =>
        {
            var total = new LoadCounts(0, 0);
            for (var second = 1; second <= _options.Seconds; second++)
            {
                // Shadow reviews run in the background: the clock moves only once they are back, or a review in
                // flight across several emulated seconds would time out on the clock (and be sent again).
                await SettleShadowsAsync().ConfigureAwait(false);
                _time.Advance(TimeSpan.FromSeconds(1));
                total += await LoadAsync(replicas, tokens, _options.Rate, second * _options.Rate, verify, ct).ConfigureAwait(false);
            }

            return total;
        }).ConfigureAwait(false);
        var seconds = (_time.GetUtcNow() - started).TotalSeconds;
        result.Rows.Add(Row(mode, shape, replicas, "steady", steady, seconds, steadyCounts.Verifications, steadyCounts.Failures));

        // Rotation, as an operator does it: publish and sign with a new key; every caller's next token carries its kid.
        var previous = Server.SigningKey;
        Server.SetSigningKey(NewKey());
        var rotated = CallerTokens(mode);
        var (rotation, rotationCounts) = await PhaseAsync(() => LoadAsync(replicas, rotated, rotated.Length, 0, RetryTransient(verify), ct)).ConfigureAwait(false);
        result.Rows.Add(Row(mode, shape, replicas, "rotation", rotation, 0, rotationCounts.Verifications, rotationCounts.Failures));

        // The verifiers' own credential was signed with the old key too: renew it before the old key goes.
        await File.WriteAllTextAsync(TokenFile, Server.IssueToken(ReviewerNamespace, ReviewerAccount, expirationSeconds: 24 * 3600), ct).ConfigureAwait(false);
        Server.RetireKey(previous.KeyId);
    }

    // A kid published after the last fetch is answered "keys unavailable" (503, retry) until the refresh it started
    // lands: a caller retries, so the rotation phase does too (bounded).
    private static Func<string, int, Task<bool>> RetryTransient(Func<string, int, Task<bool>> verify) => async (token, replica) =>
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await verify(token, replica).ConfigureAwait(false))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
        }

        return false;
    };

    private static async Task<LoadCounts> LoadAsync(int replicas, string[] tokens, int perReplica, int offset, Func<string, int, Task<bool>> verify, CancellationToken ct)
    {
        long failures = 0;
        for (var replica = 0; replica < replicas; replica++)
        {
            ct.ThrowIfCancellationRequested();
            for (var k = 0; k < perReplica; k++)
            {
                if (!await verify(tokens[(offset + k) % tokens.Length], replica).ConfigureAwait(false))
                {
                    failures++;
                }
            }
        }

        return new LoadCounts((long)replicas * perReplica, failures);
    }

    private static async Task<bool> VerifyAsync(IServiceAccountTokenVerifier verifier, string token, CancellationToken ct) =>
        (await verifier.VerifyAsync(token, ct).ConfigureAwait(false)).Succeeded;

    /// <summary>Runs <paramref name="phase"/> and returns what the server and the clients counted during it.</summary>
    private async Task<(PhaseCounts Counts, T Value)> PhaseAsync<T>(Func<Task<T>> phase)
    {
        var before = ApiTally.Read(Server.Counters);
        var clientBefore = _clientRequests.Count;
        var kindsBefore = _kinds.Snapshot();
        var value = await phase().ConfigureAwait(false);
        await SettleShadowsAsync().ConfigureAwait(false);

        // The server counts a request before its response starts, the client once it has the headers: a watch the
        // server has counted may not be in the client's count yet. Wait (bounded) for the two to meet; if they do
        // not, the report says the counts differ.
        var settle = Stopwatch.StartNew();
        while ((ApiTally.Read(Server.Counters) - before).Requests != _clientRequests.Count - clientBefore && settle.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        }

        var counts = new PhaseCounts(ApiTally.Read(Server.Counters) - before, _clientRequests.Count - clientBefore, KindTally.Difference(_kinds.Snapshot(), kindsBefore), Server.OpenWatchCount);
        return (counts, value);
    }

    /// <summary>Waits (bounded) until the API server has exactly <paramref name="expected"/> watch streams open.</summary>
    private async Task WaitForOpenStreamsAsync(int expected)
    {
        var waited = Stopwatch.StartNew();
        while (Server.OpenWatchCount != expected)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new FleetRunException($"{Server.OpenWatchCount} watch streams open at the API server after 60 s, expected {expected}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        }
    }

    /// <summary>The streams a verifier runs: one per watched kind and namespace in watch mode, else none.</summary>
    private static int StreamsOf(IServiceProvider services, string mode) =>
        IsWatch(mode) ? services.GetRequiredService<BoundObjectIndex>().Scopes.Count : 0;

    private void TrackShadows(IServiceAccountTokenVerifier[] verifiers)
    {
        _shadows.Clear();
        foreach (var verifier in verifiers)
        {
            if ((verifier as TokenVerifier)?.Strategy is ShadowVerification shadow)
            {
                _shadows.Add(shadow);
            }
        }
    }

    // Shadow mode asks its secondary after answering: a phase ends when those reviews have come back, so each is
    // counted in the phase that caused it. A review that failed waits out its retry delay on the hand-moved clock:
    // after 2 s of real time the clock is moved to that timer (and the move reported), as time would have moved.
    private async Task SettleShadowsAsync()
    {
        var deadline = Stopwatch.StartNew();
        var stalled = Stopwatch.StartNew();
        while (_shadows.Exists(s => s.InFlight > 0))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                var next = _time.NextTimerDue is { } at ? $"{(at - _time.GetUtcNow()).TotalSeconds:0.#} s ahead" : "none";
                throw new FleetRunException(
                    $"{_shadows.Sum(s => s.InFlight)} shadow comparisons still running 120 s after a phase ended (next timer on the clock: {next})");
            }

            if (stalled.Elapsed > TimeSpan.FromSeconds(2) && _time.NextTimerDue is { } due && due - _time.GetUtcNow() <= TimeSpan.FromSeconds(60))
            {
                var move = due - _time.GetUtcNow();
                _time.Advance(move > TimeSpan.Zero ? move : TimeSpan.Zero);
                ClockMovedForRetries += move > TimeSpan.Zero ? move : TimeSpan.Zero;
                stalled.Restart();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        }
    }

    /// <summary>How far <see cref="SettleShadowsAsync"/> moved the clock for retry delays.</summary>
    private TimeSpan ClockMovedForRetries { get; set; }

    private static FleetRow Row(string mode, string shape, int instances, string phase, PhaseCounts counts, double seconds, long verifications, long failures) =>
        new(mode, shape, instances, phase, counts.Api, counts.Client, seconds, verifications, failures, counts.Kinds, counts.OpenStreams);

    private static (double, double) Summarize(double[] readyMs)
    {
        var sorted = readyMs.Order().ToArray();
        return (sorted[sorted.Length / 2], sorted[^1]);
    }

    /// <summary>Starts <paramref name="host"/>; ready when its keys are loaded and, in watch mode, every stream has listed.</summary>
    private static async Task<double> StartAsync(IHost host, string mode, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            await host.Services.GetRequiredService<IServiceAccountTokenVerifier>().WaitUntilReadyAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new FleetRunException("a verifier did not load its keys within 60 s");
        }

        if (IsWatch(mode))
        {
            try
            {
                await host.Services.GetRequiredService<BoundObjectIndex>().WaitUntilSyncedAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new FleetRunException("a watch-mode verifier did not list every kind within 60 s");
            }
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private IHost BuildHost(string mode, Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        Register(builder.Services, mode, configure);
        return builder.Build();
    }

    private void Register(IServiceCollection services, string mode, Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        services.AddSingleton<TimeProvider>(_time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add(Audience);
            o.Mode = mode switch
            {
                "local" => VerificationMode.Local,
                "hybrid" => VerificationMode.Hybrid,
                "tokenreview" => VerificationMode.TokenReview,
                "watch" or WatchNamespaceMode => VerificationMode.Watch,
                _ => VerificationMode.Shadow,
            };
            if (mode == WatchNamespaceMode)
            {
                o.Watch.Namespaces.Add(Namespaces[0]);
            }

            o.ApiServer.Server = Server.BaseAddress;
            o.ApiServer.CertificateAuthorityFile = CaFile;
            o.ApiServer.TokenFile = TokenFile;
            configure?.Invoke(o);
        });
        services.AddHttpClient(ClusterHttpClient.Name).AddHttpMessageHandler(() => new EveryRequestCounter(_clientRequests, _failedSends, _kinds));
    }

    /// <summary>Heap growth per cached verification result: Local mode, N distinct tokens verified once each.</summary>
    private async Task<(double BytesPerEntry, int Entries)> MeasureResultCacheMemoryAsync(CancellationToken ct)
    {
        var tokens = Enumerable.Range(0, _options.MemoryEntries).Select(i => PodToken(i % _options.Pods)).ToArray();
        using var host = BuildHost("local", o => o.Cache.MaxEntries = _options.MemoryEntries + 100);
        await StartAsync(host, "local", ct).ConfigureAwait(false);
        try
        {
            var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
            var cache = host.Services.GetRequiredService<LocalVerification>();
            // The first half warms every path (and grows the dictionary part-way); the second half is measured.
            foreach (var token in tokens[..(tokens.Length / 2)])
            {
                await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
            }

            var before = GC.GetTotalMemory(forceFullCollection: true);
            var entriesBefore = cache.Cache?.Count ?? 0;
            foreach (var token in tokens[(tokens.Length / 2)..])
            {
                await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            var entries = (cache.Cache?.Count ?? 0) - entriesBefore;
            GC.KeepAlive(tokens);
            return (entries == 0 ? 0 : (after - before) / (double)entries, entries);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Heap growth per remembered binding: Hybrid mode without the result cache, one token per pod.</summary>
    private async Task<(double BytesPerBinding, int Bindings)> MeasureBindingMemoryAsync(CancellationToken ct)
    {
        var tokens = Enumerable.Range(0, _options.Pods).Select(PodToken).ToArray();
        using var host = BuildHost("hybrid", o =>
        {
            o.Cache.Enabled = false;
            o.Hybrid.MaxBindings = _options.Pods + 100;
        });
        await StartAsync(host, "hybrid", ct).ConfigureAwait(false);
        try
        {
            var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
            var hybrid = (HybridVerification)((TokenVerifier)verifier).Strategy;

            // The first half warms the connection pool and every path; the second half is measured.
            foreach (var token in tokens[..(tokens.Length / 2)])
            {
                await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
            }

            var before = GC.GetTotalMemory(forceFullCollection: true);
            var bindingsBefore = hybrid.BindingCount;
            foreach (var token in tokens[(tokens.Length / 2)..])
            {
                await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            var bindings = hybrid.BindingCount - bindingsBefore;
            GC.KeepAlive(tokens);
            return (bindings == 0 ? 0 : (after - before) / (double)bindings, bindings);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A phase's counts: the server's, the verifiers' clients', per resource, and the streams open at its end.</summary>
    private readonly record struct PhaseCounts(ApiTally Api, long Client, IReadOnlyDictionary<string, KindCounts> Kinds, int OpenStreams);

    private readonly record struct LoadCounts(long Verifications, long Failures)
    {
        public static LoadCounts operator +(LoadCounts a, LoadCounts b) => new(a.Verifications + b.Verifications, a.Failures + b.Failures);
    }

    /// <summary>
    /// Counts every request a verifier's named API-server client sent that got an answer, and apart from those the
    /// sends that failed in transport or were cancelled (an attempt timeout): the verifier retries those, and the API
    /// server may or may not have counted them. Lists and watches are also counted per resource; a list's body is
    /// read into memory here (the verifier reads it whole anyway) to count its bytes.
    /// </summary>
    private sealed class EveryRequestCounter(RequestCounter answered, RequestCounter failed, KindTally kinds) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (KindTally.Classify(request) is { } kind)
                {
                    if (kind.Watch)
                    {
                        kinds.AddWatch(kind.Resource);
                    }
                    else
                    {
                        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                        kinds.AddList(kind.Resource, response.Content.Headers.ContentLength ?? 0);
                    }
                }

                answered.Increment();
                return response;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                failed.Increment();
                throw;
            }
        }
    }
}
