using Verifier.Testing.State;

namespace Verifier.Testing.Server;

/// <summary>Object operations shared by the HTTP API and <see cref="LocalApiServer"/>'s test methods, with the API's checks.</summary>
internal static class Objects
{
    public static string NewUid() => Guid.NewGuid().ToString();

    /// <summary>Creates the namespace and, as the service-account controller does, its <c>default</c> service account. Null when it exists.</summary>
    public static NamespaceObject? CreateNamespace(ServerState state, string name)
    {
        var now = state.Settings.Time.GetUtcNow();
        if (!state.Store.TryAdd(new NamespaceObject(name, NewUid(), now), out var created))
        {
            return null;
        }

        state.Store.TryAdd(new ServiceAccountObject(name, "default", NewUid(), now), out ServiceAccountObject _);
        return created;
    }

    /// <summary>Null when it exists.</summary>
    public static ServiceAccountObject? CreateServiceAccount(ServerState state, string @namespace, string name) =>
        state.Store.TryAdd(new ServiceAccountObject(@namespace, name, NewUid(), state.Settings.Time.GetUtcNow()), out var created) ? created : null;

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
            Labels = labels ?? new Dictionary<string, string>(),
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

    /// <summary>Graceful deletion of any object: sets (or shortens) the deletion timestamp.</summary>
    public static T? MarkDeleted<T>(ObjectStore store, T obj, DateTimeOffset now, long graceSeconds)
        where T : ApiObject
    {
        var deadline = now.AddSeconds(graceSeconds);
        return store.Update<T>(obj.Resource, obj.Namespace, obj.Name, current =>
            current.DeletionTimestamp is { } existing && existing <= deadline
                ? current
                : current with { DeletionTimestamp = deadline, DeletionGracePeriodSeconds = graceSeconds });
    }
}
