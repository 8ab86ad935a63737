using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Verifier.Testing.State;

namespace Verifier.Testing.Server;

/// <summary>A minimal watch (what <c>kubectl delete</c> uses to wait): ADDED/MODIFIED/DELETED events as JSON lines.</summary>
internal sealed partial class ApiRequestHandler
{
    private async Task WatchAsync<T, TDto>(HttpContext context, Func<IEnumerable<T>> list, Func<T, TDto> toDto, JsonTypeInfo<TDto> typeInfo)
        where T : ApiObject
    {
        var timeout = TimeSpan.FromMinutes(30);
        if (context.Request.Query.TryGetValue("timeoutSeconds", out var t) && int.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            timeout = TimeSpan.FromSeconds(Math.Max(1, seconds));
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        cts.CancelAfter(timeout);

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(cts.Token).ConfigureAwait(false);

        var known = new Dictionary<string, T>(StringComparer.Ordinal);
        var sendInitial = !context.Request.Query.TryGetValue("resourceVersion", out var rv) || rv == "0" || string.IsNullOrEmpty(rv);
        foreach (var o in list())
        {
            known[o.Uid] = o;
            if (sendInitial)
            {
                await WriteEventAsync(context, "ADDED", toDto(o), typeInfo, cts.Token).ConfigureAwait(false);
            }
        }

        try
        {
            while (!cts.IsCancellationRequested)
            {
                var changed = state.Store.WaitForChangeAsync(cts.Token);
                var current = list().ToDictionary(o => o.Uid, StringComparer.Ordinal);
                foreach (var (uid, o) in current)
                {
                    if (!known.TryGetValue(uid, out var before))
                    {
                        await WriteEventAsync(context, "ADDED", toDto(o), typeInfo, cts.Token).ConfigureAwait(false);
                    }
                    else if (before.ResourceVersion != o.ResourceVersion)
                    {
                        await WriteEventAsync(context, "MODIFIED", toDto(o), typeInfo, cts.Token).ConfigureAwait(false);
                    }
                }

                foreach (var (uid, o) in known)
                {
                    if (!current.ContainsKey(uid))
                    {
                        await WriteEventAsync(context, "DELETED", toDto(o), typeInfo, cts.Token).ConfigureAwait(false);
                    }
                }

                known = current;
                await changed.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: end the stream.
        }
    }

    private static async Task WriteEventAsync<TDto>(HttpContext context, string type, TDto obj, JsonTypeInfo<TDto> typeInfo, CancellationToken cancellationToken)
    {
        var line = new StringBuilder("{\"type\":\"").Append(type).Append("\",\"object\":")
            .Append(JsonSerializer.Serialize(obj, typeInfo)).Append("}\n").ToString();
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
