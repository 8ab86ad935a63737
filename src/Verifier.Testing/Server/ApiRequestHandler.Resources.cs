using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Verifier.Testing.Json;
using Verifier.Testing.Json.Models;
using Verifier.Testing.State;

namespace Verifier.Testing.Server;

/// <summary>Namespaces, service accounts and pods (secrets and nodes: ApiRequestHandler.Secrets.cs): enough create/get/list/delete for kubectl and tests.</summary>
internal sealed partial class ApiRequestHandler
{
    private async Task HandleResourceAsync(HttpContext context, RequestInfo info)
    {
        if (context.Request.Query.TryGetValue("labelSelector", out var selector))
        {
            try
            {
                LabelSelector.Parse(selector.ToString());
            }
            catch (FormatException e)
            {
                await WriteErrorAsync(context, ApiError.BadRequest(e.Message)).ConfigureAwait(false);
                return;
            }
        }

        if (await TryHandleReviewAsync(context, info).ConfigureAwait(false))
        {
            return;
        }

        if (info.ApiGroup == "authentication.k8s.io" && info.ApiVersion == "v1" && info.Resource == "tokenreviews" && info.Namespace.Length == 0 && info.Name.Length == 0)
        {
            if (info.Verb != "create")
            {
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
            }

            await HandleTokenReviewAsync(context).ConfigureAwait(false);
            return;
        }

        if (info.ApiGroup.Length != 0 || info.ApiVersion != "v1")
        {
            await WriteErrorAsync(context, ApiError.NotFoundResource()).ConfigureAwait(false);
            return;
        }

        switch (info.Resource, info.Subresource)
        {
            case ("serviceaccounts", "token") when info.Namespace.Length > 0:
                if (info.Verb != "create")
                {
                    await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                    return;
                }

                await HandleTokenRequestAsync(context, info.Namespace, info.Name).ConfigureAwait(false);
                return;
            case ("namespaces", ""):
                await HandleNamespacesAsync(context, info).ConfigureAwait(false);
                return;
            case ("serviceaccounts", ""):
                await HandleServiceAccountsAsync(context, info).ConfigureAwait(false);
                return;
            case ("pods", ""):
                await HandlePodsAsync(context, info).ConfigureAwait(false);
                return;
            case ("secrets", ""):
                await HandleSecretsAsync(context, info).ConfigureAwait(false);
                return;
            case ("nodes", "") when info.Namespace.Length == 0:
                await HandleNodesAsync(context, info).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.NotFoundResource()).ConfigureAwait(false);
                return;
        }
    }

    private async Task HandleNamespacesAsync(HttpContext context, RequestInfo info)
    {
        var store = state.Store;
        switch (info.Verb)
        {
            case "list":
                var list = new NamespaceListDto { Metadata = new ListMeta { ResourceVersion = Rv(store.ResourceVersion) } };
                list.Items.AddRange(Filter(context, store.List<NamespaceObject>("namespaces", null)).Select(n => ToDto(n, false)));
                await WriteObjectAsync(context, 200, list, ApiJsonContext.Api.NamespaceListDto).ConfigureAwait(false);
                return;
            case "get":
                var ns = store.Get<NamespaceObject>("namespaces", null, info.Name);
                await (ns is null
                    ? WriteErrorAsync(context, ApiError.NotFound("namespaces", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(ns, true), ApiJsonContext.Api.NamespaceDto)).ConfigureAwait(false);
                return;
            case "create":
                var (meta, error) = await ReadMetadataAsync(context, ApiJsonContext.Api.NamespaceDto, "Namespace", n => n.Metadata).ConfigureAwait(false);
                var name = meta?.Name;
                if (error is null && string.IsNullOrEmpty(name))
                {
                    error = ApiError.Invalid("Namespace", "", "", "metadata.name", "\"\"", "name or generateName is required") with { Message = "Namespace \"\" is invalid: metadata.name: Required value: name or generateName is required" };
                }

                if (error is not null)
                {
                    await WriteErrorAsync(context, error).ConfigureAwait(false);
                    return;
                }

                var created = Objects.CreateNamespace(state, name!, meta?.Labels);
                await (created is null
                    ? WriteErrorAsync(context, ApiError.AlreadyExists("namespaces", name!))
                    : WriteObjectAsync(context, 201, ToDto(created, true), ApiJsonContext.Api.NamespaceDto)).ConfigureAwait(false);
                return;
            case "delete":
                var removed = store.Get<NamespaceObject>("namespaces", null, info.Name);
                if (removed is null)
                {
                    await WriteErrorAsync(context, ApiError.NotFound("namespaces", info.Name)).ConfigureAwait(false);
                    return;
                }

                // Deviation: the namespace and its contents go at once (no Terminating phase, no finalizers).
                store.RemoveNamespaceContents(info.Name);
                store.Remove("namespaces", null, info.Name);
                var dto = ToDto(removed with { DeletionTimestamp = state.Settings.Time.GetUtcNow() }, true);
                dto.Status = new NamespaceStatusDto { Phase = "Terminating" };
                await WriteObjectAsync(context, 200, dto, ApiJsonContext.Api.NamespaceDto).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
        }
    }

    private async Task HandleServiceAccountsAsync(HttpContext context, RequestInfo info)
    {
        var store = state.Store;
        var ns = info.Namespace.Length > 0 ? info.Namespace : null;
        switch (info.Verb)
        {
            case "list":
                var list = new ServiceAccountListDto { Metadata = new ListMeta { ResourceVersion = Rv(store.ResourceVersion) } };
                list.Items.AddRange(Filter(context, store.List<ServiceAccountObject>("serviceaccounts", ns)).Select(s => ToDto(s, false)));
                await WriteObjectAsync(context, 200, list, ApiJsonContext.Api.ServiceAccountListDto).ConfigureAwait(false);
                return;
            case "get" when ns is not null:
                var sa = store.Get<ServiceAccountObject>("serviceaccounts", ns, info.Name);
                await (sa is null
                    ? WriteErrorAsync(context, ApiError.NotFound("serviceaccounts", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(sa, true), ApiJsonContext.Api.ServiceAccountDto)).ConfigureAwait(false);
                return;
            case "create" when ns is not null:
                var (meta, error) = await ReadMetadataAsync(context, ApiJsonContext.Api.ServiceAccountDto, "ServiceAccount", s => s.Metadata).ConfigureAwait(false);
                var name = meta?.Name;
                error ??= string.IsNullOrEmpty(name) ? ApiError.BadRequest("ServiceAccount \"\" is invalid: metadata.name: Required value: name or generateName is required") with { Code = 422, Reason = "Invalid" } : null;
                error ??= store.Get<NamespaceObject>("namespaces", null, ns) is null ? ApiError.NotFound("namespaces", ns) : null;
                if (error is not null)
                {
                    await WriteErrorAsync(context, error).ConfigureAwait(false);
                    return;
                }

                var created = Objects.CreateServiceAccount(state, ns, name!, meta?.Labels);
                await (created is null
                    ? WriteErrorAsync(context, ApiError.AlreadyExists("serviceaccounts", name!))
                    : WriteObjectAsync(context, 201, ToDto(created, true), ApiJsonContext.Api.ServiceAccountDto)).ConfigureAwait(false);
                return;
            case "delete" when ns is not null:
                var removed = store.Remove("serviceaccounts", ns, info.Name) as ServiceAccountObject;
                await (removed is null
                    ? WriteErrorAsync(context, ApiError.NotFound("serviceaccounts", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(removed, true), ApiJsonContext.Api.ServiceAccountDto)).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
        }
    }

    private async Task HandlePodsAsync(HttpContext context, RequestInfo info)
    {
        var store = state.Store;
        var ns = info.Namespace.Length > 0 ? info.Namespace : null;
        switch (info.Verb)
        {
            case "list" when PodTable.Requested(context.Request.Headers.Accept.ToString()):
                var table = PodTable.Render(Filter(context, store.List<PodObject>("pods", ns)), store.ResourceVersion, state.Settings.Time.GetUtcNow());
                await WriteBytesAsync(context, 200, ObjectTable.ContentType, Encoding.UTF8.GetBytes(table)).ConfigureAwait(false);
                return;
            case "list":
                var list = new PodListDto { Metadata = new ListMeta { ResourceVersion = Rv(store.ResourceVersion) } };
                list.Items.AddRange(Filter(context, store.List<PodObject>("pods", ns)).Select(p => ToDto(p, false)));
                await WriteObjectAsync(context, 200, list, ApiJsonContext.Api.PodListDto).ConfigureAwait(false);
                return;
            case "watch":
                await WatchAsync(
                    context,
                    () => Filter(context, store.List<PodObject>("pods", ns)),
                    o => (ns is null || o.Namespace == ns) && Filter(context, [o]).Any(),
                    (PodObject p) => ToDto(p, true),
                    ApiJsonContext.Api.PodDto,
                    (p, first) => PodTable.Render([p], p.ResourceVersion, state.Settings.Time.GetUtcNow(), first)).ConfigureAwait(false);
                return;
            case "get" when ns is not null:
                var pod = store.Get<PodObject>("pods", ns, info.Name);
                await (pod is null
                    ? WriteErrorAsync(context, ApiError.NotFound("pods", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(pod, true), ApiJsonContext.Api.PodDto)).ConfigureAwait(false);
                return;
            case "create" when ns is not null:
                var (body, error) = await ReadBodyAsync(context, ApiJsonContext.Api.PodDto, "Pod").ConfigureAwait(false);
                if (error is not null)
                {
                    await WriteErrorAsync(context, error).ConfigureAwait(false);
                    return;
                }

                var spec = body?.Spec ?? new PodSpecDto();
                var containers = (spec.Containers ?? []).Select(c => new KeyValuePair<string, string>(c.Name ?? "", c.Image ?? "")).ToList();
                var result = Objects.CreatePod(
                    state,
                    ns,
                    body?.Metadata?.Name ?? "",
                    spec.ServiceAccountName ?? spec.ServiceAccount ?? "default",
                    spec.NodeName,
                    spec.TerminationGracePeriodSeconds ?? 30,
                    containers,
                    body?.Metadata?.Labels);
                await (result.Error is not null
                    ? WriteErrorAsync(context, result.Error)
                    : WriteObjectAsync(context, 201, ToDto(result.Pod!, true), ApiJsonContext.Api.PodDto)).ConfigureAwait(false);
                return;
            case "delete" when ns is not null:
                var (options, optionsError) = await ReadBodyAsync(context, ApiJsonContext.Api.DeleteOptionsDto, "DeleteOptions").ConfigureAwait(false);
                if (optionsError is not null)
                {
                    await WriteErrorAsync(context, optionsError).ConfigureAwait(false);
                    return;
                }

                long? grace = options?.GracePeriodSeconds;
                if (grace is null && context.Request.Query.TryGetValue("gracePeriodSeconds", out var g) && long.TryParse(g, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    grace = parsed;
                }

                var deleted = Objects.DeletePod(state, ns, info.Name, grace);
                if (deleted is not null)
                {
                    state.Pods.Terminating(deleted);
                }

                await (deleted is null
                    ? WriteErrorAsync(context, ApiError.NotFound("pods", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(deleted, true), ApiJsonContext.Api.PodDto)).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// The <c>labelSelector</c> (validated on entry) and the <c>fieldSelector</c> forms kubectl uses:
    /// <c>metadata.name=x</c>, <c>metadata.namespace=y</c>.
    /// </summary>
    private static IEnumerable<T> Filter<T>(HttpContext context, IEnumerable<T> items)
        where T : ApiObject
    {
        if (context.Request.Query.TryGetValue("labelSelector", out var labelSelector) && !string.IsNullOrWhiteSpace(labelSelector))
        {
            var labels = LabelSelector.Parse(labelSelector.ToString());
            items = items.Where(o => labels.Matches(o.Labels));
        }

        if (!context.Request.Query.TryGetValue("fieldSelector", out var selector) || string.IsNullOrEmpty(selector))
        {
            return items;
        }

        foreach (var term in selector.ToString().Split(','))
        {
            var eq = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
            if (eq.Length != 2)
            {
                continue;
            }

            var (field, value) = (eq[0].Trim(), eq[1].Trim());
            items = field switch
            {
                "metadata.name" => items.Where(o => o.Name == value),
                "metadata.namespace" => items.Where(o => o.Namespace == value),
                _ => items,
            };
        }

        return items;
    }

    private static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    private static ObjectMeta Meta(ApiObject o) => new()
    {
        Name = o.Name,
        Namespace = o.Namespace,
        Uid = o.Uid,
        ResourceVersion = Rv(o.ResourceVersion),
        CreationTimestamp = GoJson.Rfc3339(o.CreationTimestamp),
        DeletionTimestamp = o.DeletionTimestamp is { } d ? GoJson.Rfc3339(d) : null,
        DeletionGracePeriodSeconds = o.DeletionGracePeriodSeconds,
        Labels = o.Labels.Count == 0 ? null : new Dictionary<string, string>(o.Labels),
    };

    // List items carry no kind/apiVersion, as in kube-apiserver's typed lists.
    private static NamespaceDto ToDto(NamespaceObject n, bool typed) => new()
    {
        Kind = typed ? "Namespace" : null,
        ApiVersion = typed ? "v1" : null,
        Metadata = Meta(n),
        Spec = new NamespaceSpecDto { Finalizers = ["kubernetes"] },
        Status = new NamespaceStatusDto { Phase = n.DeletionTimestamp is null ? "Active" : "Terminating" },
    };

    private static ServiceAccountDto ToDto(ServiceAccountObject s, bool typed) => new()
    {
        Kind = typed ? "ServiceAccount" : null,
        ApiVersion = typed ? "v1" : null,
        Metadata = Meta(s),
    };

    private static PodDto ToDto(PodObject p, bool typed) => new()
    {
        Kind = typed ? "Pod" : null,
        ApiVersion = typed ? "v1" : null,
        Metadata = Meta(p),
        Spec = new PodSpecDto
        {
            Containers = [.. p.Containers.Select(c => new ContainerDto { Name = c.Key, Image = c.Value })],
            RestartPolicy = "Always",
            TerminationGracePeriodSeconds = p.TerminationGracePeriodSeconds,
            ServiceAccountName = p.ServiceAccountName,
            ServiceAccount = p.ServiceAccountName,
            NodeName = p.NodeName,
        },
        Status = new PodStatusDto { Phase = p.NodeName is null ? "Pending" : "Running" },
    };
}
