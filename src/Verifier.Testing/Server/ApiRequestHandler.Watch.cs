using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Verifier.Testing.Server;

/// <summary>
/// Watch as kube-apiserver serves it: headers at once, then one JSON event per line. <c>resourceVersion</c> unset or
/// <c>0</c>: an ADDED event per current object, then changes; <c>N</c>: changes after N, or one ERROR event with a
/// 410 Expired Status when N has been compacted. An object that stops (starts) matching the selectors is reported
/// DELETED (ADDED). <c>allowWatchBookmarks=true</c>: a BOOKMARK every <see cref="WatchHub.BookmarkInterval"/> on the
/// server's clock (or at <see cref="WatchHub.RequestBookmarks"/>). The stream ends cleanly at <c>timeoutSeconds</c>
/// on the server's clock (default 30–60 min, as <c>--min-request-timeout</c> randomizes it).
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private static readonly TimeSpan MinRequestTimeout = TimeSpan.FromMinutes(30);

    private async Task WatchAsync(HttpContext context, ResourceKind kind, string? ns, ListWatchOptions options, Func<ApiObject, bool> filter, Representation representation, string contentType)
    {
        var store = state.Store;
        var hub = state.Watches;
        var time = state.Settings.Time;
        var timeout = options.TimeoutSeconds is > 0 and { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : MinRequestTimeout * (1 + RandomNumberGenerator.GetInt32(1000) / 1000.0);
        using var timeoutCts = new CancellationTokenSource(timeout, time);
        var stopping = context.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeoutCts.Token, stopping);
        var ct = cts.Token;

        var metadataOnly = representation is Representation.PartialObjectMetadata or Representation.PartialObjectMetadataList;
        Func<ApiObject, bool, string>? table = representation == Representation.Table ? (o, first) => RenderTable(kind.Resource, [o], o.ResourceVersion, first)! : null;
        var encoder = new WatchEncoder(kind, metadataOnly, table);

        // The start: unset or 0 = the current state as ADDED events; N = after N (sendInitialEvents=true: the state
        // at the newest version not older than N, then a bookmark marking the end of the initial events).
        var initialEvents = options.SendInitialEvents ?? options.Version == 0;
        long since;
        List<ApiObject>? initial = null;
        if (initialEvents)
        {
            since = Math.Max(store.ResourceVersion, options.Version);
            initial = store.ListAt(kind.Resource, ns, since);
        }
        else
        {
            since = options.Version;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        var opened = false;
        try
        {
            // Headers out now, as kube-apiserver flushes them when a watch starts: client-go's Watch() returns only
            // then, and kubectl (delete's wait, whose watch context never ends) would otherwise block until an event.
            await context.Response.StartAsync(ct).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            if (initialEvents && initial is null)
            {
                // Compacted between reading the version and the list: only possible with a tiny history.
                await WriteLineAsync(context, WatchEncoder.Error(WatchErrors.TooOldResourceVersion(since, store.OldestResourceVersion)), ct).ConfigureAwait(false);
                return;
            }

            foreach (var o in initial ?? [])
            {
                if (filter(o))
                {
                    await WriteLineAsync(context, encoder.Event("ADDED", o), ct).ConfigureAwait(false);
                }
            }

            if (options.SendInitialEvents == true)
            {
                await WriteLineAsync(context, encoder.Bookmark(since, initialEventsEnd: true), ct).ConfigureAwait(false);
            }

            var nextBookmark = options.AllowWatchBookmarks ? Task.Delay(hub.BookmarkInterval, time, ct) : null;

            // Counted once its timers exist: a test that sees the count can move the clock.
            hub.Opened();
            opened = true;
            var bookmarkRequested = hub.BookmarksRequested;
            while (true)
            {
                var changed = store.WaitForChangeAsync(ct);
                var faultChanged = state.Faults.Changed;
                if (await TakeStreamFaultAsync(context, ct).ConfigureAwait(false))
                {
                    return;
                }

                var batch = store.EventsSince(since, o => o.Resource == kind.Resource);
                if (batch is null)
                {
                    await WriteLineAsync(context, WatchEncoder.Error(WatchErrors.TooOldResourceVersion(since, store.OldestResourceVersion)), ct).ConfigureAwait(false);
                    return;
                }

                foreach (var e in batch.Value.Events)
                {
                    if (Translate(e, filter) is { } type)
                    {
                        await WriteLineAsync(context, encoder.Event(type, e.Object), ct).ConfigureAwait(false);
                    }
                }

                since = batch.Value.Next;
                var bookmarkDue = nextBookmark is { IsCompleted: true } || bookmarkRequested.IsCompleted;
                if (bookmarkRequested.IsCompleted)
                {
                    bookmarkRequested = hub.BookmarksRequested;
                }

                if (options.AllowWatchBookmarks && bookmarkDue)
                {
                    await WriteLineAsync(context, encoder.Bookmark(since, initialEventsEnd: false), ct).ConfigureAwait(false);
                    if (nextBookmark!.IsCompleted)
                    {
                        nextBookmark = Task.Delay(hub.BookmarkInterval, time, ct);
                    }

                    continue;
                }

                await Task.WhenAny(changed, bookmarkRequested, faultChanged, nextBookmark ?? Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: end the stream (a timeout ends it cleanly, as kube-apiserver does).
        }
        finally
        {
            if (opened)
            {
                hub.Closed();
            }
        }
    }

    /// <summary>
    /// kube-apiserver's watch filtering: a write the selectors see on one side only becomes ADDED (now matches) or
    /// DELETED (no longer matches); a write they see on neither side is not sent.
    /// </summary>
    private static string? Translate(StoreEvent e, Func<ApiObject, bool> filter)
    {
        var now = filter(e.Object);
        var before = e.Previous is not null && filter(e.Previous);
        return e.Type switch
        {
            "ADDED" => now ? "ADDED" : null,
            "DELETED" => now ? "DELETED" : null,
            _ => (before, now) switch
            {
                (true, true) => "MODIFIED",
                (false, true) => "ADDED",
                (true, false) => "DELETED",
                _ => null,
            },
        };
    }

    /// <summary>A Drop or Stall fault on <see cref="ApiEndpoint.Watch"/> reaches open streams too. True when this stream is done.</summary>
    private async Task<bool> TakeStreamFaultAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var fault = state.Faults.Get(ApiEndpoint.Watch);
        if (fault is null || !(fault.DropConnection || fault.StallStream) || state.Faults.Take(ApiEndpoint.Watch) is not { } taken)
        {
            return false;
        }

        if (taken.DropConnection)
        {
            context.Abort();
            return true;
        }

        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A new watch under a Stall fault: 200 and headers, then silence until the client gives up.</summary>
    private static async Task StallAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = JsonContentType;
        var stopping = context.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await context.Response.StartAsync(cts.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cts.Token).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client gave up or the server is stopping.
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        CountSent(context, bytes.Length);
        await context.Response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One watch stream's event lines: the object in full, as PartialObjectMetadata, or (<c>kubectl get -w</c>) as a
    /// one-row Table with the column definitions on the first event only, as kube-apiserver does.
    /// </summary>
    private sealed class WatchEncoder(ResourceKind kind, bool metadataOnly, Func<ApiObject, bool, string>? table)
    {
        private bool _firstTable = true;

        public string Event(string type, ApiObject o)
        {
            string body;
            if (table is not null)
            {
                body = table(o, _firstTable);
                _firstTable = false;
            }
            else
            {
                body = metadataOnly ? PartialObjectMetadataJson(o) : kind.Serialize(o, true);
            }

            return "{\"type\":\"" + type + "\",\"object\":" + body + "}\n";
        }

        /// <summary>
        /// A BOOKMARK: an object of the watched kind carrying only the version the watch has reached (and, after
        /// sendInitialEvents, the <c>k8s.io/initial-events-end</c> annotation).
        /// </summary>
        public string Bookmark(long resourceVersion, bool initialEventsEnd)
        {
            var sb = new StringBuilder("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"")
                .Append(metadataOnly ? "PartialObjectMetadata" : kind.Kind)
                .Append("\",\"apiVersion\":\"").Append(metadataOnly ? "meta.k8s.io/v1" : "v1")
                .Append("\",\"metadata\":{\"resourceVersion\":\"").Append(resourceVersion.ToString(CultureInfo.InvariantCulture))
                .Append("\",\"creationTimestamp\":null");
            if (initialEventsEnd)
            {
                sb.Append(",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}");
            }

            return sb.Append("}}}\n").ToString();
        }

        public static string Error(ApiError error) =>
            "{\"type\":\"ERROR\",\"object\":" + JsonSerializer.Serialize(error.ToStatus(), ApiJsonContext.Api.StatusDto) + "}\n";
    }
}
