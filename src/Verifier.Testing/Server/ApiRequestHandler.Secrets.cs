using System.Globalization;
using System.Text;

namespace Verifier.Testing.Server;

/// <summary>Secrets and Nodes: create, get and delete, for kubectl and bound tokens (list and watch: ApiRequestHandler.List.cs).</summary>
internal sealed partial class ApiRequestHandler
{
    private static readonly string SecretColumns = "[" + string.Join(',',
        ObjectTable.Column("Name", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.", format: "name"),
        ObjectTable.Column("Type", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
        ObjectTable.Column("Data", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
        ObjectTable.Column("Age", "CreationTimestamp is a timestamp representing the server time when this object was created.")) + "]";

    private static readonly string NodeColumns = "[" + string.Join(',',
        ObjectTable.Column("Name", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.", format: "name"),
        ObjectTable.Column("Status", "The status of the node"),
        ObjectTable.Column("Roles", "The roles of the node"),
        ObjectTable.Column("Age", "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ObjectTable.Column("Version", "Kubelet Version reported by the node.")) + "]";

    private async Task HandleSecretsAsync(HttpContext context, RequestInfo info)
    {
        var store = state.Store;
        var ns = info.Namespace.Length > 0 ? info.Namespace : null;
        var now = state.Settings.Time.GetUtcNow();
        switch (info.Verb)
        {
            case "get" when ns is not null:
                var secret = store.Get<SecretObject>("secrets", ns, info.Name);
                await (secret is null
                    ? WriteErrorAsync(context, ApiError.NotFound("secrets", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(secret, true), ApiJsonContext.Api.SecretDto)).ConfigureAwait(false);
                return;
            case "create" when ns is not null:
                SecretDto? body;
                ApiError? error = null;
                if (IsProtobuf(context))
                {
                    // kubectl create secret speaks protobuf.
                    if (!KubernetesProtobuf.TryDecodeSecret(await ReadAllAsync(context).ConfigureAwait(false), out body))
                    {
                        error = InvalidProtobuf("Secret");
                    }
                }
                else
                {
                    (body, error) = await ReadBodyAsync(context, ApiJsonContext.Api.SecretDto, "Secret").ConfigureAwait(false);
                }

                if (error is not null)
                {
                    await WriteErrorAsync(context, error).ConfigureAwait(false);
                    return;
                }

                // stringData is write-only: merged over data, as the Secret strategy does.
                var data = new Dictionary<string, byte[]>(body?.Data ?? new SortedDictionary<string, byte[]>(StringComparer.Ordinal));
                foreach (var (key, value) in body?.StringData ?? [])
                {
                    data[key] = Encoding.UTF8.GetBytes(value);
                }

                var meta = body?.Metadata ?? new ObjectMeta();
                var (created, createError) = Objects.CreateSecret(state, ns, meta.Name ?? "", body?.Type, data, meta.Labels, meta.Annotations);
                await (createError is not null
                    ? WriteErrorAsync(context, createError)
                    : WriteObjectAsync(context, 201, ToDto(created!, true), ApiJsonContext.Api.SecretDto)).ConfigureAwait(false);
                return;
            case "delete" when ns is not null:
                // Secrets have no graceful deletion: gone at once.
                await DeleteAsync<SecretObject, SecretDto>(context, "secrets", ns, info.Name, static o => ToDto(o, true), ApiJsonContext.Api.SecretDto).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
        }
    }

    private async Task HandleNodesAsync(HttpContext context, RequestInfo info)
    {
        var store = state.Store;
        var now = state.Settings.Time.GetUtcNow();
        switch (info.Verb)
        {
            case "get":
                var node = store.Get<NodeObject>("nodes", null, info.Name);
                await (node is null
                    ? WriteErrorAsync(context, ApiError.NotFound("nodes", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(node, true), ApiJsonContext.Api.NodeDto)).ConfigureAwait(false);
                return;
            case "create":
                var (meta, error) = await ReadMetadataAsync(context, ApiJsonContext.Api.NodeDto, "Node", n => n.Metadata).ConfigureAwait(false);
                if (error is not null)
                {
                    await WriteErrorAsync(context, error).ConfigureAwait(false);
                    return;
                }

                var (created, createError) = Objects.CreateNode(state, meta?.Name ?? "", meta?.Labels);
                await (createError is not null
                    ? WriteErrorAsync(context, createError)
                    : WriteObjectAsync(context, 201, ToDto(created!, true), ApiJsonContext.Api.NodeDto)).ConfigureAwait(false);
                return;
            case "delete":
                // Nodes have no graceful deletion: gone at once. Pods on it that are terminating are then orphans.
                var removed = store.Remove("nodes", null, info.Name) as NodeObject;
                await (removed is null
                    ? WriteErrorAsync(context, ApiError.NotFound("nodes", info.Name))
                    : WriteObjectAsync(context, 200, ToDto(removed, true), ApiJsonContext.Api.NodeDto)).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
                return;
        }
    }

    private static string SecretCells(SecretObject s, DateTimeOffset now) =>
        new StringBuilder().AppendString(s.Name).Append(',').AppendString(s.Type)
            .Append(',').Append(s.Data.Count.ToString(CultureInfo.InvariantCulture))
            .Append(',').AppendString(PodTable.HumanDuration(now - s.CreationTimestamp)).ToString();

    private string NodeCells(NodeObject n, DateTimeOffset now)
    {
        const string RolePrefix = "node-role.kubernetes.io/";
        var roles = n.Labels.Keys.Where(k => k.StartsWith(RolePrefix, StringComparison.Ordinal) && k.Length > RolePrefix.Length).Select(k => k[RolePrefix.Length..]).ToList();
        return new StringBuilder().AppendString(n.Name)
            .Append(',').AppendString(n.DeletionTimestamp is null ? "Ready" : "Ready,SchedulingDisabled")
            .Append(',').AppendString(roles.Count == 0 ? "<none>" : string.Join(',', roles))
            .Append(',').AppendString(PodTable.HumanDuration(now - n.CreationTimestamp))
            .Append(',').AppendString(state.Identity.GitVersion).ToString();
    }

    private static SecretDto ToDto(SecretObject s, bool typed)
    {
        var meta = Meta(s);
        meta.Annotations = s.Annotations.Count == 0 ? null : new Dictionary<string, string>(s.Annotations);
        return new SecretDto
        {
            Kind = typed ? "Secret" : null,
            ApiVersion = typed ? "v1" : null,
            Metadata = meta,
            Data = s.Data.Count == 0 ? null : new SortedDictionary<string, byte[]>(s.Data.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal),
            Type = s.Type,
        };
    }

    /// <summary>The emulated kubelet keeps every node Ready.</summary>
    private NodeDto ToDto(NodeObject n, bool typed) => new()
    {
        Kind = typed ? "Node" : null,
        ApiVersion = typed ? "v1" : null,
        Metadata = Meta(n),
        Spec = new NodeSpecDto(),
        Status = new NodeStatusDto
        {
            Conditions = [new NodeConditionDto { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status" }],
            NodeInfo = new NodeSystemInfoDto { KubeletVersion = state.Identity.GitVersion, OperatingSystem = "linux", Architecture = "amd64" },
        },
    };
}
