using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Cluster;
using Verifier.Diagnostics;

namespace Verifier.Watch;

/// <summary>
/// Keeps <see cref="BoundObjectIndex"/> current: for each kind (and watched namespace) a paged metadata-only list,
/// then a watch from its resourceVersion with bookmarks and a <c>timeoutSeconds</c> that rotates the stream. 410
/// Expired or a line it cannot read → relist; a broken or silent stream (nothing for <see cref="WatchOptions.MaxLag"/>)
/// → reconnect from the last version; failures back off exponentially with jitter, on the injected
/// <see cref="TimeProvider"/>. Nothing the server sends stops it. Does nothing unless watch mode is in use.
/// </summary>
internal sealed partial class BoundObjectWatchWorker : BackgroundService
{
    internal const string ListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    internal const string WatchAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private readonly IServiceProvider _services;
    private readonly bool _used;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;
    private BoundObjectIndex _index = null!;
    private KubernetesApiClient _client = null!;
    private WatchOptions _options = null!;

    public BoundObjectWatchWorker(IServiceProvider services, IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time, VerifierMetrics metrics, ILogger<BoundObjectWatchWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _services = services;
        _used = VerificationModeSelection.UsesWatch(options.Value);
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_used)
        {
            return;
        }

        // Resolved here, not in the constructor: other modes never build the index or the API client.
        _index = _services.GetRequiredService<BoundObjectIndex>();
        _client = _services.GetRequiredService<KubernetesApiClient>();
        _options = _index.Options;
        var streams = new List<Task>(_index.Scopes.Count);
        foreach (var scope in _index.Scopes)
        {
            streams.Add(RunAsync(scope, stoppingToken));
        }

        await Task.WhenAll(streams).ConfigureAwait(false);
        LogStopped();
    }

    /// <summary>The delay before attempt <paramref name="failures"/> + 1: ReconnectDelay · 2^(failures−1), at most MaxReconnectDelay, times a uniform 0.5–1 (jitter).</summary>
    internal static TimeSpan Backoff(int failures, TimeSpan initial, TimeSpan max)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var ticks = initial.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(ticks, max.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.5 + (Random.Shared.NextDouble() * 0.5))));
    }

    private async Task RunAsync(WatchedScope scope, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (failures > 0)
                {
                    await Task.Delay(Backoff(failures, _options.ReconnectDelay, _options.MaxReconnectDelay), _time, stoppingToken).ConfigureAwait(false);
                }

                if (scope.ResourceVersion is null)
                {
                    if (await ListAsync(scope, stoppingToken).ConfigureAwait(false) is { } error)
                    {
                        failures++;
                        LogListFailed(scope.Description, error);
                        continue;
                    }
                }

                var (outcome, progressed) = await WatchAsync(scope, stoppingToken).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                var cause = outcome.ToString().ToLowerInvariant();
                _metrics.WatchReconnect(scope.Resource, cause);
                LogStreamEnded(scope.Description, cause);
                if (outcome is WatchOutcome.Expired or WatchOutcome.Garbage)
                {
                    scope.ResourceVersion = null;
                }

                // A stream that carried events, ended as asked, went silent (it already waited MaxLag) or expired
                // (client-go relists at once too) reconnects at once; one that failed straight away, or sent garbage, backs off.
                failures = outcome is WatchOutcome.Ended or WatchOutcome.Stalled or WatchOutcome.Expired || (progressed && outcome != WatchOutcome.Garbage)
                    ? 0
                    : failures + 1;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The worker must outlive anything a server sends: log, back off, relist.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                scope.ResourceVersion = null;
                LogListFailed(scope.Description, ex.Message);
            }
        }
    }

    /// <summary>A complete paged list into the index; null on success, else the error text.</summary>
    private async Task<string?> ListAsync(WatchedScope scope, CancellationToken cancellationToken)
    {
        var items = new Dictionary<ObjectName, IndexedObject>();
        string? next = null;
        string? version;
        do
        {
            var path = BasePath(scope) + "?limit=" + _options.ListPageSize.ToString(CultureInfo.InvariantCulture)
                + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next)) + Selector(scope);
            var result = await _client.SendAsync<object, MetadataListJson>(HttpMethod.Get, path, null, null, WatchJsonContext.Default.MetadataListJson,
                cancellationToken, ListAccept, _options.MaxResponseBytes).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return result.Error.ToString();
            }

            foreach (var item in result.Value.Items ?? [])
            {
                if (item.Metadata is { Name: { Length: > 0 } name, Uid: { Length: > 0 } uid } meta)
                {
                    items[Key(scope, meta.Namespace, name)] = new IndexedObject(uid, meta.DeletionTimestamp);
                }
            }

            version = result.Value.Metadata?.ResourceVersion;
            next = result.Value.Metadata?.Continue is { Length: > 0 } c ? c : null;
        }
        while (next is not null);

        if (string.IsNullOrEmpty(version))
        {
            return "the list carries no resourceVersion";
        }

        var first = !scope.Synced;
        _index.Replace(scope, items, _time.GetUtcNow());
        scope.ResourceVersion = version;
        _metrics.WatchRelist(scope.Resource);
        if (first)
        {
            LogSynced(scope.Description, items.Count, version);
        }

        return null;
    }

    private async Task<(WatchOutcome Outcome, bool Progressed)> WatchAsync(WatchedScope scope, CancellationToken stoppingToken)
    {
        // timeoutSeconds with up to 10 % jitter, so a fleet's streams do not rotate in step.
        var timeout = (long)(_options.WatchTimeout.TotalSeconds * (1 + (Random.Shared.NextDouble() * 0.1)));
        var path = BasePath(scope) + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + Uri.EscapeDataString(scope.ResourceVersion!)
            + "&timeoutSeconds=" + timeout.ToString(CultureInfo.InvariantCulture) + Selector(scope);

        // The stall detector: cancelled unless an event or bookmark arrives within MaxLag (reset on each).
        using var stall = new CancellationTokenSource(_options.MaxLag, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, stall.Token);
        var progressed = false;
        try
        {
            var (response, error) = await _client.OpenStreamAsync(path, WatchAccept, linked.Token).ConfigureAwait(false);
            if (response is null)
            {
                return (error!.StatusCode == 410 ? WatchOutcome.Expired : WatchOutcome.Failed, false);
            }

            using (response)
            {
                // An open stream is no sign of life by itself (a half-dead server answers headers, then nothing):
                // only lists, events and bookmarks move the scope's last activity.
                stall.CancelAfter(_options.MaxLag);
                var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var buffer = new byte[64 * 1024];
                    var count = 0;
                    while (true)
                    {
                        if (count == buffer.Length)
                        {
                            if (buffer.Length >= _options.MaxResponseBytes)
                            {
                                return (WatchOutcome.Garbage, progressed);
                            }

                            Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, _options.MaxResponseBytes));
                        }

                        var read = await stream.ReadAsync(buffer.AsMemory(count), linked.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            return (WatchOutcome.Ended, progressed);
                        }

                        var scanFrom = count;
                        count += read;
                        var start = 0;
                        int newline;
                        while ((newline = Array.IndexOf(buffer, (byte)'\n', scanFrom, count - scanFrom)) >= 0)
                        {
                            var outcome = HandleLine(scope, buffer.AsSpan(start, newline - start));
                            if (outcome is { } end)
                            {
                                return (end, progressed);
                            }

                            progressed = true;
                            stall.CancelAfter(_options.MaxLag);
                            start = newline + 1;
                            scanFrom = start;
                        }

                        if (start > 0)
                        {
                            Array.Copy(buffer, start, buffer, 0, count - start);
                            count -= start;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return (WatchOutcome.Stalled, progressed);
        }
        catch (IOException)
        {
            return (WatchOutcome.Dropped, progressed);
        }
        catch (HttpRequestException)
        {
            return (WatchOutcome.Dropped, progressed);
        }
    }

    /// <summary>One event line into the index; null to go on reading, else how the stream ends.</summary>
    private WatchOutcome? HandleLine(WatchedScope scope, ReadOnlySpan<byte> line)
    {
        if (line.Trim((byte)' ').Trim((byte)'\r').IsEmpty)
        {
            return null;
        }

        WatchEventJson? e;
        try
        {
            e = JsonSerializer.Deserialize(line, WatchJsonContext.Default.WatchEventJson);
        }
        catch (JsonException)
        {
            return WatchOutcome.Garbage;
        }

        var meta = e?.Object?.Metadata;
        var now = _time.GetUtcNow();
        switch (e?.Type)
        {
            case "ADDED" or "MODIFIED" or "DELETED" when meta is { Name: { Length: > 0 } name, Uid: { Length: > 0 } uid }:
                if (e.Type == "DELETED")
                {
                    _index.Delete(scope, Key(scope, meta.Namespace, name), uid);
                }
                else
                {
                    _index.Upsert(scope, Key(scope, meta.Namespace, name), new IndexedObject(uid, meta.DeletionTimestamp), now);
                }

                break;
            case "BOOKMARK" when meta?.ResourceVersion is { Length: > 0 }:
                break;
            case "ERROR":
                return e.Object?.Code == 410 ? WatchOutcome.Expired : WatchOutcome.Failed;
            default:
                return WatchOutcome.Garbage;
        }

        if (meta!.ResourceVersion is { Length: > 0 } version)
        {
            scope.ResourceVersion = version;
        }

        scope.Touch(now);
        return null;
    }

    private static ObjectName Key(WatchedScope scope, string? @namespace, string name) =>
        new(scope.Kind == WatchedKind.Node ? "" : @namespace ?? scope.Namespace ?? "", name);

    private static string BasePath(WatchedScope scope) => scope.Namespace is null
        ? "/api/v1/" + scope.Resource
        : "/api/v1/namespaces/" + Uri.EscapeDataString(scope.Namespace) + "/" + scope.Resource;

    private string Selector(WatchedScope scope) =>
        scope.Kind == WatchedKind.Pod && !string.IsNullOrEmpty(_options.PodLabelSelector)
            ? "&labelSelector=" + Uri.EscapeDataString(_options.PodLabelSelector)
            : "";
}
