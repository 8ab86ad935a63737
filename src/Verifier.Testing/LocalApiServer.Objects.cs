using System.Text;
using Verifier.Testing.Server;

namespace Verifier.Testing;

/// <summary>Objects for tests: create, delete (gracefully or not), recreate. Missing namespaces are created on the way.</summary>
public sealed partial class LocalApiServer
{
    /// <summary>Creates a namespace and its <c>default</c> service account; returns the namespace uid (the existing one if present).</summary>
    public string CreateNamespace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return (Objects.CreateNamespace(_state, name) ?? _state.Store.Get<NamespaceObject>("namespaces", null, name)!).Uid;
    }

    /// <summary>Creates a service account; returns its uid.</summary>
    /// <exception cref="ApiStatusException">409 when it exists.</exception>
    public string CreateServiceAccount(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureNamespace(@namespace);
        return (Objects.CreateServiceAccount(_state, @namespace, name) ?? throw Throw(ApiError.AlreadyExists("serviceaccounts", name))).Uid;
    }

    /// <summary>The uid of a service account, or null.</summary>
    public string? GetServiceAccountUid(string @namespace, string name) => _state.Store.Get<ServiceAccountObject>("serviceaccounts", @namespace, name)?.Uid;

    /// <summary>Deletes a service account: at once by default, or marked with a deletion timestamp <paramref name="gracePeriod"/> ahead.</summary>
    public bool DeleteServiceAccount(string @namespace, string name, TimeSpan? gracePeriod = null) => Delete<ServiceAccountObject>("serviceaccounts", @namespace, name, gracePeriod ?? TimeSpan.Zero);

    /// <summary>
    /// Creates a pod running as <paramref name="serviceAccount"/> (which must exist) on <paramref name="nodeName"/>
    /// (the Node need not exist), with <paramref name="labels"/> (for label selectors); returns its uid.
    /// </summary>
    /// <exception cref="ApiStatusException">403 when the service account is missing, 409 when the pod exists.</exception>
    public string CreatePod(string @namespace, string name, string serviceAccount = "default", string? nodeName = "node-1", long terminationGracePeriodSeconds = 30, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureNamespace(@namespace);
        var (pod, error) = Objects.CreatePod(_state, @namespace, name, serviceAccount, nodeName, terminationGracePeriodSeconds, [new("app", "registry.k8s.io/pause:3.10")], labels);
        return pod?.Uid ?? throw Throw(error!);
    }

    /// <summary>The uid of a pod, or null.</summary>
    public string? GetPodUid(string @namespace, string name) => _state.Store.Get<PodObject>("pods", @namespace, name)?.Uid;

    /// <summary>The pod's deletion timestamp, if it is being deleted.</summary>
    public DateTimeOffset? GetPodDeletionTimestamp(string @namespace, string name) => _state.Store.Get<PodObject>("pods", @namespace, name)?.DeletionTimestamp;

    /// <summary>
    /// Deletes a pod like <c>kubectl delete pod</c>: with a grace period (default: the pod's, 30 s) it gets
    /// <c>deletionTimestamp = now + grace</c> and stays until <see cref="FinalizeDeletions"/>; with
    /// <see cref="TimeSpan.Zero"/> it is removed at once. Returns false when there is no such pod.
    /// </summary>
    /// <remarks>
    /// Unlike a delete through the API, no emulated kubelet or pod GC finishes this deletion: the pod stays as on a
    /// node whose kubelet has not answered, so tests can observe kube-apiserver's 60 s window past
    /// <c>deletionTimestamp</c> (docs/kube-apiserver.md §4).
    /// </remarks>
    public bool DeletePod(string @namespace, string name, TimeSpan? gracePeriod = null) =>
        Objects.DeletePod(_state, @namespace, name, gracePeriod is { } g ? (long)g.TotalSeconds : null) is not null;

    /// <summary>Removes the pod at once and creates it again with the same spec and a new uid (a StatefulSet pod being replaced); returns the new uid.</summary>
    /// <exception cref="ApiStatusException">404 when there is no such pod.</exception>
    public string RecreatePod(string @namespace, string name)
    {
        var old = _state.Store.Remove("pods", @namespace, name) as PodObject ?? throw Throw(ApiError.NotFound("pods", name));
        var pod = old with { Uid = Objects.NewUid(), CreationTimestamp = TimeProvider.GetUtcNow(), DeletionTimestamp = null, DeletionGracePeriodSeconds = null };
        return _state.Store.Put(pod).Uid;
    }

    /// <summary>
    /// Creates a Node; returns its uid. Pods on an existing node that are deleted through the API are removed when
    /// their grace period ends, as its kubelet would; pods on a node that does not exist are removed at once (pod GC).
    /// </summary>
    public string CreateNode(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (node, error) = Objects.CreateNode(_state, name, null);
        return node?.Uid ?? throw Throw(error!);
    }

    /// <summary>The uid of a node, or null.</summary>
    public string? GetNodeUid(string name) => _state.Store.Get<NodeObject>("nodes", null, name)?.Uid;

    public bool DeleteNode(string name, TimeSpan? gracePeriod = null) => Delete<NodeObject>("nodes", null, name, gracePeriod ?? TimeSpan.Zero);

    /// <summary>Creates an Opaque secret; returns its uid.</summary>
    public string CreateSecret(string @namespace, string name, IReadOnlyDictionary<string, string>? data = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureNamespace(@namespace);
        var secret = new SecretObject(@namespace, name, Objects.NewUid(), TimeProvider.GetUtcNow(), "Opaque")
        {
            Data = (data ?? new Dictionary<string, string>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value)),
        };
        return _state.Store.TryAdd(secret, out var created) ? created.Uid : throw Throw(ApiError.AlreadyExists("secrets", name));
    }

    /// <summary>The uid of a secret, or null.</summary>
    public string? GetSecretUid(string @namespace, string name) => _state.Store.Get<SecretObject>("secrets", @namespace, name)?.Uid;

    public bool DeleteSecret(string @namespace, string name, TimeSpan? gracePeriod = null) => Delete<SecretObject>("secrets", @namespace, name, gracePeriod ?? TimeSpan.Zero);

    /// <summary>Sets (or, with null, removes) a label on a secret, e.g. <c>kubernetes.io/legacy-token-invalid-since</c>.</summary>
    public bool SetSecretLabel(string @namespace, string name, string key, string? value) =>
        _state.Store.Update<SecretObject>("secrets", @namespace, name, s =>
        {
            var labels = new Dictionary<string, string>(s.Labels);
            if (value is null)
            {
                labels.Remove(key);
            }
            else
            {
                labels[key] = value;
            }

            return s with { Labels = labels };
        }) is not null;

    /// <summary>Removes every object that carries a deletion timestamp (the kubelet and garbage collector finishing). Returns how many.</summary>
    public int FinalizeDeletions() => _state.Store.FinalizeDeletions();

    private bool Delete<T>(string resource, string? @namespace, string name, TimeSpan grace)
        where T : ApiObject
    {
        if (grace <= TimeSpan.Zero)
        {
            return _state.Store.Remove(resource, @namespace, name) is not null;
        }

        var obj = _state.Store.Get<T>(resource, @namespace, name);
        return obj is not null && Objects.MarkDeleted(_state.Store, obj, TimeProvider.GetUtcNow(), (long)grace.TotalSeconds) is not null;
    }

    private void EnsureNamespace(string @namespace) => Objects.CreateNamespace(_state, @namespace);

    private static ApiStatusException Throw(ApiError error) => new(error.Code, error.Reason ?? "", error.Message);
}
