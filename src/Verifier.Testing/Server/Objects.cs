using System.Text;
using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>Object operations shared by the HTTP API and <see cref="LocalApiServer"/>'s test methods, with the API's checks.</summary>
internal static class Objects
{
    public static string NewUid() => Guid.NewGuid().ToString();

    /// <summary>Creates the namespace and, as the service-account controller does, its <c>default</c> service account. Null when it exists.</summary>
    public static NamespaceObject? CreateNamespace(ServerState state, string name, IReadOnlyDictionary<string, string>? labels = null)
    {
        var now = state.Settings.Time.GetUtcNow();

        // The NamespaceDefaultLabelName admission: every namespace carries its name as a label.
        var withName = new Dictionary<string, string>(labels ?? new Dictionary<string, string>()) { ["kubernetes.io/metadata.name"] = name };
        if (!state.Store.TryAdd(new NamespaceObject(name, NewUid(), now) { Labels = Copy(withName) }, out var created))
        {
            return null;
        }

        state.Store.TryAdd(new ServiceAccountObject(name, "default", NewUid(), now), out ServiceAccountObject _);
        return created;
    }

    /// <summary>Null when it exists.</summary>
    public static ServiceAccountObject? CreateServiceAccount(ServerState state, string @namespace, string name, IReadOnlyDictionary<string, string>? labels = null) =>
        state.Store.TryAdd(new ServiceAccountObject(@namespace, name, NewUid(), state.Settings.Time.GetUtcNow()) { Labels = Copy(labels) }, out var created) ? created : null;

    /// <summary>
    /// Creates a Secret. A <c>kubernetes.io/service-account-token</c> Secret must name its service account in the
    /// <c>kubernetes.io/service-account.name</c> annotation; when that account exists it is populated as the token
    /// controller does: <c>data.token</c> (a legacy token signed by the current key), <c>data.ca.crt</c>,
    /// <c>data.namespace</c> and the <c>kubernetes.io/service-account.uid</c> annotation. Deviation: the controller
    /// does it just after the create (and deletes the Secret when the account is missing); here the create itself
    /// returns the populated Secret, and a Secret for a missing account stays empty.
    /// </summary>
    public static (SecretObject? Secret, ApiError? Error) CreateSecret(
        ServerState state,
        string @namespace,
        string name,
        string? type,
        IReadOnlyDictionary<string, byte[]>? data,
        IReadOnlyDictionary<string, string>? labels,
        IReadOnlyDictionary<string, string>? annotations)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (null, new ApiError(422, "Invalid", "Secret \"\" is invalid: metadata.name: Required value: name or generateName is required"));
        }

        if (state.Store.Get<NamespaceObject>("namespaces", null, @namespace) is null)
        {
            return (null, ApiError.NotFound("namespaces", @namespace));
        }

        type = string.IsNullOrEmpty(type) ? SecretObject.OpaqueType : type;
        var values = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in data ?? new Dictionary<string, byte[]>())
        {
            values[key] = value;
        }

        var notes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            notes[key] = value;
        }

        if (type == SecretObject.ServiceAccountTokenType)
        {
            if (!notes.TryGetValue(SecretObject.ServiceAccountNameAnnotation, out var accountName) || accountName.Length == 0)
            {
                return (null, new ApiError(422, "Invalid", $"Secret \"{name}\" is invalid: metadata.annotations[{SecretObject.ServiceAccountNameAnnotation}]: Required value"));
            }

            var account = state.Store.Get<ServiceAccountObject>("serviceaccounts", @namespace, accountName);
            if (account is not null)
            {
                notes[SecretObject.ServiceAccountUidAnnotation] = account.Uid;
                values["ca.crt"] = Encoding.UTF8.GetBytes(state.Identity.CaCertificatePem);
                values["namespace"] = Encoding.UTF8.GetBytes(@namespace);
                values["token"] = Encoding.UTF8.GetBytes(JwtWriter.Sign(state.Keys.Current.SigningKey, ClaimsJson.Legacy(@namespace, name, account.Name, account.Uid)));
            }
        }

        var secret = new SecretObject(@namespace, name, NewUid(), state.Settings.Time.GetUtcNow(), type)
        {
            Data = values,
            Annotations = notes,
            Labels = Copy(labels),
        };
        return state.Store.TryAdd(secret, out var created) ? (created, null) : (null, ApiError.AlreadyExists("secrets", name));
    }

    /// <summary>Creates a Node; its emulated kubelet reports it Ready.</summary>
    public static (NodeObject? Node, ApiError? Error) CreateNode(ServerState state, string name, IReadOnlyDictionary<string, string>? labels)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (null, new ApiError(422, "Invalid", "Node \"\" is invalid: metadata.name: Required value: name or generateName is required"));
        }

        return state.Store.TryAdd(new NodeObject(name, NewUid(), state.Settings.Time.GetUtcNow()) { Labels = Copy(labels) }, out var created)
            ? (created, null)
            : (null, ApiError.AlreadyExists("nodes", name));
    }

    public static (PodObject? Pod, ApiError? Error) CreatePod(
        ServerState state,
        string @namespace,
        string name,
        string serviceAccountName,
        string? nodeName,
        long terminationGracePeriodSeconds,
        IReadOnlyList<KeyValuePair<string, string>> containers,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (null, new ApiError(422, "Invalid", "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required"));
        }

        if (state.Store.Get<NamespaceObject>("namespaces", null, @namespace) is null)
        {
            return (null, ApiError.NotFound("namespaces", @namespace));
        }

        // The ServiceAccount admission plugin.
        if (state.Store.Get<ServiceAccountObject>("serviceaccounts", @namespace, serviceAccountName) is null)
        {
            return (null, new ApiError(403, "Forbidden", $"pods \"{name}\" is forbidden: error looking up service account {@namespace}/{serviceAccountName}: serviceaccount \"{serviceAccountName}\" not found", new Json.Models.StatusDetailsDto { Name = name, Kind = "pods" }));
        }

        var pod = new PodObject(@namespace, name, NewUid(), state.Settings.Time.GetUtcNow(), serviceAccountName, string.IsNullOrEmpty(nodeName) ? null : nodeName, terminationGracePeriodSeconds)
        {
            Containers = containers,
            Labels = Copy(labels),
        };
        return state.Store.TryAdd(pod, out var created) ? (created, null) : (null, ApiError.AlreadyExists("pods", name));
    }

    /// <summary>
    /// Pod deletion as the pod strategy does it: a grace period (the request's, else the pod's
    /// <c>terminationGracePeriodSeconds</c>) sets <c>deletionTimestamp = now + grace</c> and keeps the object until
    /// finalized; grace 0, or an unscheduled pod, removes it at once. A second delete may only shorten the grace.
    /// Returns the object as the response shows it, or null when there is no such pod.
    /// </summary>
    public static PodObject? DeletePod(ServerState state, string @namespace, string name, long? gracePeriodSeconds)
    {
        var store = state.Store;
        var pod = store.Get<PodObject>("pods", @namespace, name);
        if (pod is null)
        {
            return null;
        }

        var grace = Math.Max(0, gracePeriodSeconds ?? pod.TerminationGracePeriodSeconds);
        if (pod.NodeName is null)
        {
            grace = 0;
        }

        var now = state.Settings.Time.GetUtcNow();
        if (grace == 0)
        {
            store.Remove("pods", @namespace, name);
            return pod with { DeletionTimestamp = pod.DeletionTimestamp ?? now, DeletionGracePeriodSeconds = 0 };
        }

        return MarkDeleted(store, pod, now, grace) ?? pod;
    }

    /// <summary>A private copy in Go's map order (keys sorted), so JSON output is stable.</summary>
    public static IReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string>? labels)
    {
        var copy = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            copy[key] = value;
        }

        return copy;
    }

    /// <summary>Graceful deletion of any object: sets (or shortens) the deletion timestamp.</summary>
    public static T? MarkDeleted<T>(ObjectStore store, T obj, DateTimeOffset now, long graceSeconds)
        where T : ApiObject
    {
        // kube-apiserver keeps metav1.Time at whole seconds (RFC 3339 in etcd and on the wire), so every reader, its
        // own TokenReview included, sees the timestamp truncated; a finer one here would let this server's TokenReview
        // and its API (lists, watches) disagree for up to a second about when the 60 s leeway ends.
        var exact = now.AddSeconds(graceSeconds);
        var deadline = exact.AddTicks(-(exact.UtcTicks % TimeSpan.TicksPerSecond));
        return store.Update<T>(obj.Resource, obj.Namespace, obj.Name, current =>
            current.DeletionTimestamp is { } existing && existing <= deadline
                ? current
                : current with { DeletionTimestamp = deadline, DeletionGracePeriodSeconds = graceSeconds });
    }
}
