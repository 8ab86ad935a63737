using Verifier;
using Verifier.Cluster.Resources;
using Verifier.Cluster;
using Bench.Compare.Resources;

namespace Bench.Compare;

/// <summary>
/// A real cluster reached through a kubeconfig or in-cluster credentials. The run does not hold the cluster's
/// signing key nor its clock, so it produces only what any client can: valid, wrong-audience, tampered,
/// unknown-kid and malformed tokens, and (with <c>--allow-writes</c>) deleted- and recreated-pod tokens. The
/// rest are reported as skipped with the reason.
/// </summary>
internal sealed class ClusterTarget : ICompareTarget
{
    private const string PauseImage = "registry.k8s.io/pause:3.10";

    private readonly CompareOptions _options;
    private readonly ApiConnection _api;
    private readonly HttpClient _floor;
    private readonly List<string> _createdPods = [];
    private readonly List<string> _createdAccounts = [];

    public ClusterTarget(CompareOptions options)
    {
        _options = options;
        _api = new ApiConnection(ConfigureVerifierConnection, TimeProvider.System);
        _floor = _api.CreateHttpClient();
    }

    /// <summary>A client of the run's connection, for the checks before the run (<see cref="ComparePreflight"/>).</summary>
    public HttpClient CreatePreflightClient() => _api.CreateHttpClient();

    public string Description => _options.InCluster ? "in-cluster API server" : $"cluster from {_options.Kubeconfig}{(_options.Context is null ? "" : "#" + _options.Context)}";

    public TimeProvider Time => TimeProvider.System;

    public long? ServerTokenReviewCount => null;

    public long? ServerConnectionsOpened => null;

    public int? ServerOpenWatches => null;

    // A real cluster's clock cannot be moved past the 90 s grace and leeway; the probe would have to wait them out.
    public IRevocationTarget? Revocation => null;

    public IReadOnlyList<string> Issuers => [];

    public void VerifierStarting()
    {
    }

    public void VerifierReady()
    {
    }

    public void ConfigureVerifierConnection(ApiServerOptions options)
    {
        options.KubeconfigPath = _options.Kubeconfig;
        options.KubeconfigContext = _options.Context;
        options.UseInCluster = _options.InCluster ? true : null;
    }

    public async Task<Corpus> PrepareAsync(CompareOptions options, ProgressLine progress, CancellationToken cancellationToken)
    {
        var corpus = new Corpus();
        var ns = options.Namespace;
        var api = _api.Client;
        const string needsKey = "needs the cluster's signing key, which this run does not hold";
        corpus.Skipped[TokenCategory.Expired] = "TokenRequest's shortest lifetime is 600 s; the run does not wait that long on a real cluster";
        corpus.Skipped[TokenCategory.NotYetValid] = needsKey;
        corpus.Skipped[TokenCategory.WrongIssuer] = needsKey;
        corpus.Skipped[TokenCategory.RotatedOutKey] = "rotating the cluster's keys is an operator's job, not a benchmark's";
        corpus.Skipped[TokenCategory.LegacySecret] = "the run does not create legacy token Secrets on a real cluster";
        corpus.Skipped[TokenCategory.LegacyIssuerBound] = needsKey;
        corpus.Skipped[TokenCategory.ExternalSigner] = needsKey;
        corpus.Skipped[TokenCategory.FreshlyRotatedKey] = "rotating the cluster's keys is an operator's job, not a benchmark's";
        corpus.Skipped[TokenCategory.ExcludedKey] = needsKey;

        if (!options.AllowWrites)
        {
            // Read-only: tokens for the namespace's default service account, not bound to a pod.
            corpus.Skipped[TokenCategory.DeletedPod] = corpus.Skipped[TokenCategory.RecreatedPod] = "needs --allow-writes to create and delete pods";
            await CorpusBuilder.MintAsync(corpus, TokenCategory.Valid, options.ValidTokens, (_, ct) => CorpusBuilder.RequestTokenAsync(api, ns, "default", null, 3600, ct), progress, cancellationToken).ConfigureAwait(false);
            await CorpusBuilder.MintAsync(corpus, TokenCategory.WrongAudience, options.TokensPerCategory,
                (_, ct) => CorpusBuilder.RequestTokenAsync(api, ns, "default", null, 3600, ct, "not-" + CompareRun.Audience), progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var suffix = CorpusBuilder.RandomSuffix();
            for (var a = 0; a < options.ServiceAccounts; a++)
            {
                var name = $"compare-{suffix}-sa-{a}";
                (await api.CreateServiceAccountAsync(ns, name, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
                _createdAccounts.Add(name);
            }

            var doomed = Math.Min(options.TokensPerCategory, 5);
            string Account(int i) => _createdAccounts[i % _createdAccounts.Count];
            for (var p = 0; p < options.Pods; p++)
            {
                await CreatePodAsync(ns, $"compare-{suffix}-pod-{p}", Account(p), cancellationToken).ConfigureAwait(false);
            }

            for (var d = 0; d < doomed; d++)
            {
                await CreatePodAsync(ns, $"compare-{suffix}-doomed-{d}", Account(d), cancellationToken).ConfigureAwait(false);
                await CreatePodAsync(ns, $"compare-{suffix}-phoenix-{d}", Account(d), cancellationToken).ConfigureAwait(false);
            }

            await CorpusBuilder.MintAsync(corpus, TokenCategory.Valid, options.ValidTokens,
                (i, ct) => CorpusBuilder.RequestTokenAsync(api, ns, Account(i % options.Pods), $"compare-{suffix}-pod-{i % options.Pods}", 3600, ct), progress, cancellationToken).ConfigureAwait(false);
            await CorpusBuilder.MintAsync(corpus, TokenCategory.WrongAudience, options.TokensPerCategory,
                (i, ct) => CorpusBuilder.RequestTokenAsync(api, ns, Account(i % options.Pods), $"compare-{suffix}-pod-{i % options.Pods}", 3600, ct, "not-" + CompareRun.Audience), progress, cancellationToken).ConfigureAwait(false);
            await CorpusBuilder.MintAsync(corpus, TokenCategory.DeletedPod, options.TokensPerCategory,
                (i, ct) => CorpusBuilder.RequestTokenAsync(api, ns, Account(i % doomed), $"compare-{suffix}-doomed-{i % doomed}", 3600, ct), progress, cancellationToken).ConfigureAwait(false);
            await CorpusBuilder.MintAsync(corpus, TokenCategory.RecreatedPod, options.TokensPerCategory,
                (i, ct) => CorpusBuilder.RequestTokenAsync(api, ns, Account(i % doomed), $"compare-{suffix}-phoenix-{i % doomed}", 3600, ct), progress, cancellationToken).ConfigureAwait(false);

            for (var d = 0; d < doomed; d++)
            {
                await DeletePodAndWaitAsync(ns, $"compare-{suffix}-doomed-{d}", progress, cancellationToken).ConfigureAwait(false);
                await DeletePodAndWaitAsync(ns, $"compare-{suffix}-phoenix-{d}", progress, cancellationToken).ConfigureAwait(false);
                await CreatePodAsync(ns, $"compare-{suffix}-phoenix-{d}", Account(d), cancellationToken).ConfigureAwait(false);
            }

            // kube-apiserver caches successful authentications for 10 s (docs/kube-apiserver.md §4): let that pass so the
            // reference sees the deletions.
            progress.Report("waiting out the API server's 10 s token cache", 0, 1);
            await Task.Delay(TimeSpan.FromSeconds(11), cancellationToken).ConfigureAwait(false);
        }

        var valid = corpus.ValidTokens();
        CorpusBuilder.AddTampered(corpus, valid, options.TokensPerCategory);
        CorpusBuilder.AddTrailingNewline(corpus, valid, options.TokensPerCategory);
        CorpusBuilder.AddUnknownKid(corpus, valid, options.TokensPerCategory);
        CorpusBuilder.AddMalformed(corpus);
        progress.Done($"corpus: {corpus.Tokens.Count} tokens; skipped: {string.Join(", ", corpus.Skipped.Keys)}");
        return corpus;
    }

    private async Task CreatePodAsync(string ns, string name, string account, CancellationToken ct)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Namespace = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "verifier-compare" } },
            Spec = new V1PodSpec { ServiceAccountName = account, AutomountServiceAccountToken = false, Containers = [new V1Container { Name = "pause", Image = PauseImage }] },
        };
        (await _api.Client.CreatePodAsync(ns, pod, ct).ConfigureAwait(false)).GetValueOrThrow();
        _createdPods.Add(name);
    }

    private async Task DeletePodAndWaitAsync(string ns, string name, ProgressLine progress, CancellationToken ct)
    {
        await _api.Client.DeletePodAsync(ns, name, ct).ConfigureAwait(false);
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var pod = await _api.Client.GetPodAsync(ns, name, ct).ConfigureAwait(false);
            if (!pod.Succeeded && pod.Error.StatusCode == 404)
            {
                _createdPods.Remove(name);
                return;
            }

            progress.Report($"waiting for pod {name} to go", attempt, 120);
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"Pod {ns}/{name} was still there 60 s after its deletion.");
    }

    public async Task FloorRequestAsync(CancellationToken cancellationToken)
    {
        using var response = await _floor.GetAsync(new Uri("/version", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public Task<ReferenceVerdict> ReviewAsync(string token, CancellationToken cancellationToken) => Reference.ReviewAsync(_api.Client, token, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Clean up what the run created, best effort, with a bound of its own.
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var pod in _createdPods)
        {
            await _api.Client.DeletePodAsync(_options.Namespace, pod, cleanup.Token).ConfigureAwait(false);
        }

        foreach (var account in _createdAccounts)
        {
            await _api.Client.DeleteServiceAccountAsync(_options.Namespace, account, cleanup.Token).ConfigureAwait(false);
        }

        _floor.Dispose();
        await _api.DisposeAsync().ConfigureAwait(false);
    }
}
