using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Verifier.Testing.Server;

/// <summary>
/// List for every served resource, with kube-apiserver's resourceVersion semantics: unset or <c>0</c> is the current
/// state; <c>N</c> (NotOlderThan) the current state unless N is in the future (504); <c>N</c> with
/// <c>resourceVersionMatch=Exact</c> the state at N, 410 Expired once compacted; <c>limit</c>/<c>continue</c> pages at
/// one version. JSON, the metadata-only <c>PartialObjectMetadataList</c>, or (pods) a Table.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private Dictionary<string, ResourceKind>? _listableKinds;

    private Dictionary<string, ResourceKind> ListableKinds => _listableKinds ??= new(StringComparer.Ordinal)
    {
        ["pods"] = new("pods", "Pod", true, (o, typed) => JsonSerializer.Serialize(ToDto((PodObject)o, typed), ApiJsonContext.Api.PodDto), PodField),
        ["serviceaccounts"] = new("serviceaccounts", "ServiceAccount", true, (o, typed) => JsonSerializer.Serialize(ToDto((ServiceAccountObject)o, typed), ApiJsonContext.Api.ServiceAccountDto), NoField),
        ["namespaces"] = new("namespaces", "Namespace", false, (o, typed) => JsonSerializer.Serialize(ToDto((NamespaceObject)o, typed), ApiJsonContext.Api.NamespaceDto), NamespaceField),
        ["nodes"] = new("nodes", "Node", false, (o, typed) => JsonSerializer.Serialize(ToDto((NodeObject)o, typed), ApiJsonContext.Api.NodeDto), NoField),
        ["secrets"] = new("secrets", "Secret", true, (o, typed) => JsonSerializer.Serialize(ToDto((SecretObject)o, typed), ApiJsonContext.Api.SecretDto), SecretField),
    };

    /// <summary>
    /// The Table kubectl asks for, for the resources that have one (null otherwise); watch events carry one row each,
    /// with the column definitions on the first only.
    /// </summary>
    private string? RenderTable(string resource, IEnumerable<ApiObject> items, long resourceVersion, bool includeColumns = true)
    {
        var now = state.Settings.Time.GetUtcNow();
        return resource switch
        {
            "pods" => PodTable.Render(items.Cast<PodObject>(), resourceVersion, now, includeColumns),
            "secrets" => ObjectTable.Render(SecretColumns, items.Cast<SecretObject>().Select(s => ((ApiObject)s, SecretCells(s, now))), resourceVersion, includeColumns),
            "nodes" => ObjectTable.Render(NodeColumns, items.Cast<NodeObject>().Select(n => ((ApiObject)n, NodeCells(n, now))), resourceVersion, includeColumns),
            _ => null,
        };
    }

    private static bool HasTable(string resource) => resource is "pods" or "secrets" or "nodes";

    /// <summary>List and watch of <paramref name="kind"/>, namespaced (<c>/api/v1/namespaces/NS/pods</c>) or across all namespaces (<c>/api/v1/pods</c>).</summary>
    private async Task HandleListOrWatchAsync(HttpContext context, RequestInfo info, ResourceKind kind)
    {
        var watch = info.Verb == "watch";
        var (options, error) = ListWatchOptions.Parse(context.Request.Query, watch);
        var ns = kind.Namespaced && info.Namespace.Length > 0 ? info.Namespace : null;
        var (filter, filterError) = options is null ? (null, null) : ObjectFilter.Build(kind, ns, info.Name, options.FieldSelector, options.LabelSelector);
        var negotiated = MediaNegotiation.Negotiate(context.Request.Headers.Accept.ToString(), tableAvailable: HasTable(kind.Resource));
        error ??= filterError ?? (negotiated is null ? WatchErrors.NotAcceptable() : null);
        if (error is null && negotiated!.Value.Representation == Representation.PartialObjectMetadata && !watch)
        {
            error = WatchErrors.NotAcceptable($"you requested PartialObjectMetadata, but the requested object is a list (*{kind.Kind.ToLowerInvariant()}.{kind.Kind}List)");
        }

        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }

        var (representation, contentType) = negotiated!.Value;
        if (watch)
        {
            await WatchAsync(context, kind, ns, options!, filter!, representation, contentType).ConfigureAwait(false);
            return;
        }

        await ListAsync(context, kind, ns, options!, filter!, representation, contentType).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, ResourceKind kind, string? ns, ListWatchOptions options, Func<ApiObject, bool> filter, Representation representation, string contentType)
    {
        var store = state.Store;
        long at;
        string start = "";
        if (options.Continue.Length > 0)
        {
            if (!ContinueToken.TryDecode(options.Continue, out at, out start))
            {
                await WriteErrorAsync(context, WatchErrors.InvalidContinue("malformed")).ConfigureAwait(false);
                return;
            }
        }
        else if (options.ResourceVersionMatch == ListWatchOptions.Exact)
        {
            at = options.Version;
        }
        else
        {
            at = store.ResourceVersion;
            if (options.Version > at)
            {
                await WriteErrorAsync(context, WatchErrors.TooLargeResourceVersion(options.Version, at)).ConfigureAwait(false);
                return;
            }
        }

        if (at > store.ResourceVersion)
        {
            await WriteErrorAsync(context, WatchErrors.TooLargeResourceVersion(at, store.ResourceVersion)).ConfigureAwait(false);
            return;
        }

        var all = store.ListAt(kind.Resource, ns, at);
        if (all is null)
        {
            await WriteErrorAsync(context, options.Continue.Length > 0 ? WatchErrors.ExpiredContinue() : WatchErrors.ExpiredList()).ConfigureAwait(false);
            return;
        }

        var items = new List<ApiObject>();
        foreach (var o in all)
        {
            if (filter(o) && (start.Length == 0 || string.CompareOrdinal(Key(o), start) > 0))
            {
                items.Add(o);
            }
        }

        // resourceVersion=0 is served from the watch cache, which ignores limit.
        string? next = null;
        long? remaining = null;
        if (options.Limit > 0 && options.ResourceVersion != "0" && items.Count > options.Limit)
        {
            next = ContinueToken.Encode(at, Key(items[(int)options.Limit - 1]));
            if (options.LabelSelector.Length == 0 && options.FieldSelector.Length == 0)
            {
                remaining = items.Count - options.Limit;
            }

            items.RemoveRange((int)options.Limit, items.Count - (int)options.Limit);
        }

        string body;
        if (representation == Representation.Table)
        {
            body = RenderTable(kind.Resource, items, at)!;
        }
        else
        {
            var metadataOnly = representation == Representation.PartialObjectMetadataList;
            var sb = new StringBuilder("{\"kind\":\"")
                .Append(metadataOnly ? "PartialObjectMetadataList" : kind.Kind + "List")
                .Append("\",\"apiVersion\":\"").Append(metadataOnly ? "meta.k8s.io/v1" : "v1")
                .Append("\",\"metadata\":{\"resourceVersion\":\"").Append(Rv(at)).Append('"');
            if (next is not null)
            {
                sb.Append(",\"continue\":\"").Append(next).Append('"');
            }

            if (remaining is { } r)
            {
                sb.Append(",\"remainingItemCount\":").Append(r.ToString(CultureInfo.InvariantCulture));
            }

            sb.Append("},\"items\":[");
            for (var i = 0; i < items.Count; i++)
            {
                // kube-apiserver gives every item of a PartialObjectMetadataList its own kind and apiVersion.
                sb.Append(i == 0 ? "" : ",").Append(metadataOnly ? PartialObjectMetadataJson(items[i]) : kind.Serialize(items[i], false));
            }

            body = sb.Append("]}").ToString();
        }

        await WriteBytesAsync(context, 200, contentType, Encoding.UTF8.GetBytes(body)).ConfigureAwait(false);
    }

    private static string Key(ApiObject o) => (o.Namespace ?? "") + "/" + o.Name;

    /// <summary><c>{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{…}}</c>.</summary>
    private static string PartialObjectMetadataJson(ApiObject o) =>
        "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":" + JsonSerializer.Serialize(Meta(o), ApiJsonContext.Api.ObjectMeta) + "}";

    private static string? NoField(ApiObject o, string field) => null;

    // The pod fields kube-apiserver indexes for field selectors (the subset this server models).
    private static string? PodField(ApiObject o, string field)
    {
        var pod = o as PodObject;
        return field switch
        {
            "spec.nodeName" => pod?.NodeName ?? "",
            "spec.serviceAccountName" => pod?.ServiceAccountName ?? "",
            "status.phase" => pod?.NodeName is null ? "Pending" : "Running",
            _ => null,
        };
    }

    private static string? SecretField(ApiObject o, string field) => field == "type" ? (o as SecretObject)?.Type ?? "" : null;

    private static string? NamespaceField(ApiObject o, string field) =>
        field == "status.phase" ? (o.DeletionTimestamp is null ? "Active" : "Terminating") : null;
}
