using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Verifier.Testing;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// <see cref="ApiServerHarness"/> in watch mode with the watch worker running (no host runs in these tests, so it is
/// started here): the verifier's service account may list and watch everything, TokenReview does not retry.
/// </summary>
internal sealed class WatchModeHarness : IAsyncDisposable
{
    private BoundObjectWatchWorker? _worker;

    private WatchModeHarness(ApiServerHarness inner) => Inner = inner;

    public ApiServerHarness Inner { get; }

    public LocalApiServer Server => Inner.Server;

    public ManualTimeProvider Time => Inner.Time;

    public BoundObjectIndex Index => Inner.Services.GetRequiredService<BoundObjectIndex>();

    public long TokenReviews => Inner.TokenReviews;

    /// <param name="configure">Further options (applied after the harness's own).</param>
    /// <param name="seed">Objects to create before the worker's first list.</param>
    /// <param name="waitForSync">Wait until every stream has listed.</param>
    public static async Task<WatchModeHarness> StartAsync(Action<KubernetesTokenVerifierOptions>? configure = null, Action<LocalApiServer>? seed = null, bool waitForSync = true)
    {
        var inner = await ApiServerHarness.StartAsync(
            VerificationMode.Watch,
            o =>
            {
                o.TokenReview.MaxRetries = 0;
                configure?.Invoke(o);
            },
            startHost: false);
        var harness = new WatchModeHarness(inner);
        try
        {
            inner.Server.GrantClusterRole(LocalApiServerRoles.ClusterAdmin, "kube-system", "token-verifier");
            await inner.LoadKeysAsync();
            seed?.Invoke(inner.Server);
            harness._worker = inner.Services.GetServices<IHostedService>().OfType<BoundObjectWatchWorker>().Single();
            await harness._worker.StartAsync(CancellationToken.None);
            if (waitForSync)
            {
                await harness.WaitUntilSyncedAsync();
            }

            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public Task WaitUntilSyncedAsync() => Index.WaitUntilSyncedAsync(CancellationToken.None).WaitAsync(Eventually.Limit);

    /// <summary>The uid and deletion timestamp the index holds for an object, or null.</summary>
    public IndexedObject? Indexed(WatchedKind kind, string @namespace, string name)
    {
        foreach (var scope in Index.Scopes)
        {
            if (scope.Kind == kind && scope.Objects.TryGetValue(new ObjectName(kind == WatchedKind.Node ? "" : @namespace, name), out var obj))
            {
                return obj;
            }
        }

        return null;
    }

    /// <summary>
    /// Waits (bounded) until every stream is trusted again (synced, lag within MaxLag), asking the server for
    /// bookmarks meanwhile: after the clock moved, streams without events need one to show they are alive.
    /// </summary>
    public Task WaitUntilTrustedAsync(string what) => Eventually.WaitUntil(
        () =>
        {
            Server.SendWatchBookmarks();
            return Index.IsTrusted(Time.GetUtcNow());
        },
        what);

    /// <summary>Waits (bounded) until the watch has delivered what <paramref name="condition"/> looks for.</summary>
    public Task WaitForIndex(Func<WatchModeHarness, bool> condition, string what) => Eventually.WaitUntil(() => condition(this), what);

    public Task<TokenVerificationResult> VerifyAsync(string token) => Inner.VerifyAsync(token);

    public string PodToken(string pod) => Inner.PodToken(pod);

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(CancellationToken.None).WaitAsync(Eventually.Limit);
        }

        await Inner.DisposeAsync();
    }
}
