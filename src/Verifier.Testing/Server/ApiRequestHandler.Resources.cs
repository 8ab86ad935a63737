using System.Globalization;
using System.Text;
using System.Text.Json;

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

        if (info.Verb is "list" or "watch" && info.Subresource.Length == 0 && ListableKinds.TryGetValue(info.Resource, out var kind) && (kind.Namespaced || info.Namespace.Length == 0))
        {
            await HandleListOrWatchAsync(context, info, kind).ConfigureAwait(false);
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
                await DeleteAsync<ServiceAccountObject, ServiceAccountDto>(context, "serviceaccounts", ns, info.Name, static o => ToDto(o, true), ApiJsonContext.Api.ServiceAccountDto).ConfigureAwait(false);
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
