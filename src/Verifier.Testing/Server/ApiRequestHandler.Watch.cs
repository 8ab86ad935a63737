using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Verifier.Testing.State;

namespace Verifier.Testing.Server;

/// <summary>
/// A minimal watch (what <c>kubectl delete</c> uses to wait): events after the requested
/// <c>resourceVersion</c> (or ADDED for every current object when there is none) as JSON lines, until
/// <c>timeoutSeconds</c> or the client goes away.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    /// <param name="context">The request.</param>
    /// <param name="list">The current objects, for a watch without a resourceVersion.</param>
    /// <param name="filter">Which stored objects' events this watch reports.</param>
    /// <param name="toDto">The event object.</param>
    /// <param name="typeInfo">Its JSON contract.</param>
    /// <param name="toTable">
    /// When the client asks for <c>as=Table</c> (<c>kubectl get -w</c>), each event's object as a one-row Table
    /// (the flag: with column definitions, true for the first event only).
    /// </param>
    private async Task WatchAsync<T, TDto>(HttpContext context, Func<IEnumerable<T>> list, Func<ApiObject, bool> filter, Func<T, TDto> toDto, JsonTypeInfo<TDto> typeInfo, Func<T, bool, string>? toTable = null)
        where T : ApiObject
    {
        var firstTable = true;
        Func<T, string> serialize = toTable is not null && ObjectTable.Requested(context.Request.Headers.Accept.ToString())
            ? o =>
            {
                var table = toTable(o, firstTable);
                firstTable = false;
                return table;
            }
        : o => JsonSerializer.Serialize(toDto(o), typeInfo);

        var query = context.Request.Query;
        var timeout = TimeSpan.FromMinutes(30);
        if (query.TryGetValue("timeoutSeconds", out var t) && int.TryParse(t, CultureInfo.InvariantCulture, out var seconds))
        {
            timeout = TimeSpan.FromSeconds(Math.Max(1, seconds));
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        cts.CancelAfter(timeout);

        var store = state.Store;
        long since;
        var initial = new List<T>();
        if (query.TryGetValue("resourceVersion", out var rv) && long.TryParse(rv, CultureInfo.InvariantCulture, out var requested) && requested > 0)
        {
            since = requested;
        }
        else
        {
            since = store.ResourceVersion;
            initial.AddRange(list());
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        try
        {
            // Headers out now, as kube-apiserver flushes them when a watch starts: client-go's Watch() returns only
            // then, and kubectl (delete's wait, whose watch context never ends) would otherwise block until an event.
            await context.Response.StartAsync(cts.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cts.Token).ConfigureAwait(false);
            foreach (var o in initial)
            {
                await WriteEventAsync(context, "ADDED", serialize(o), cts.Token).ConfigureAwait(false);
            }

            while (!cts.IsCancellationRequested)
            {
                var changed = store.WaitForChangeAsync(cts.Token);
                var batch = store.EventsSince(since, o => o is T && filter(o));
                if (batch is null)
                {
                    var gone = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: "
                        + since.ToString(CultureInfo.InvariantCulture) + " (" + store.ResourceVersion.ToString(CultureInfo.InvariantCulture) + ")\",\"reason\":\"Expired\",\"code\":410}}\n";
                    await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(gone), cts.Token).ConfigureAwait(false);
                    return;
                }

                foreach (var e in batch.Value.Events)
                {
                    await WriteEventAsync(context, e.Type, serialize((T)e.Object), cts.Token).ConfigureAwait(false);
                }

                since = batch.Value.Next;
                await changed.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: end the stream.
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string type, string objectJson, CancellationToken cancellationToken)
    {
        var line = new StringBuilder("{\"type\":\"").Append(type).Append("\",\"object\":")
            .Append(objectJson).Append("}\n").ToString();
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
