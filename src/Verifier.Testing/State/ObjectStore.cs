namespace Verifier.Testing.State;

/// <summary>
/// The emulated etcd: objects by (resource, namespace, name), thread-safe. Every write bumps a global resource
/// version and wakes <see cref="WaitForChangeAsync"/> callers (watches).
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _lock = new();
    private const int EventHistory = 4096;

    private readonly Dictionary<(string Resource, string Namespace, string Name), ApiObject> _objects = [];
    private readonly Queue<StoreEvent> _events = new();
    private long _resourceVersion = 1000;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public T? Get<T>(string resource, string? @namespace, string name)
        where T : ApiObject
    {
        lock (_lock)
        {
            return _objects.TryGetValue((resource, @namespace ?? "", name), out var o) ? o as T : null;
        }
    }

    /// <summary>Objects of <paramref name="resource"/> in <paramref name="namespace"/> (all namespaces when null), by namespace then name.</summary>
    public List<T> List<T>(string resource, string? @namespace)
        where T : ApiObject
    {
        lock (_lock)
        {
            var list = new List<T>();
            foreach (var (key, o) in _objects)
            {
                if (key.Resource == resource && (@namespace is null || key.Namespace == @namespace) && o is T t)
                {
                    list.Add(t);
                }
            }

            list.Sort(static (a, b) =>
            {
                var c = string.CompareOrdinal(a.Namespace, b.Namespace);
                return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
            });
            return list;
        }
    }

    /// <summary>Adds <paramref name="obj"/>; returns false (and stores nothing) when the name is taken.</summary>
    public bool TryAdd<T>(T obj, out T stored)
        where T : ApiObject
    {
        lock (_lock)
        {
            var key = (obj.Resource, obj.Namespace ?? "", obj.Name);
            if (_objects.TryGetValue(key, out var existing))
            {
                stored = (T)existing;
                return false;
            }

            stored = obj with { ResourceVersion = ++_resourceVersion };
            _objects[key] = stored;
            RecordLocked("ADDED", stored);
            return true;
        }
    }

    /// <summary>Adds or replaces.</summary>
    public T Put<T>(T obj)
        where T : ApiObject
    {
        lock (_lock)
        {
            var key = (obj.Resource, obj.Namespace ?? "", obj.Name);
            var type = _objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            var stored = obj with { ResourceVersion = ++_resourceVersion };
            _objects[key] = stored;
            RecordLocked(type, stored);
            return stored;
        }
    }

    /// <summary>Replaces the stored object with <paramref name="update"/>(current) atomically; null when absent.</summary>
    public T? Update<T>(string resource, string? @namespace, string name, Func<T, T> update)
        where T : ApiObject
    {
        lock (_lock)
        {
            var key = (resource, @namespace ?? "", name);
            if (!_objects.TryGetValue(key, out var existing) || existing is not T current)
            {
                return null;
            }

            var stored = update(current) with { ResourceVersion = ++_resourceVersion };
            _objects[key] = stored;
            RecordLocked("MODIFIED", stored);
            return stored;
        }
    }

    public ApiObject? Remove(string resource, string? @namespace, string name)
    {
        lock (_lock)
        {
            if (!_objects.Remove((resource, @namespace ?? "", name), out var removed))
            {
                return null;
            }

            ++_resourceVersion;
            RecordLocked("DELETED", removed);
            return removed;
        }
    }

    /// <summary>Removes every object in <paramref name="namespace"/> (namespace deletion).</summary>
    public void RemoveNamespaceContents(string @namespace)
    {
        lock (_lock)
        {
            foreach (var key in _objects.Keys.Where(k => k.Namespace == @namespace).ToList())
            {
                _objects.Remove(key, out var removed);
                ++_resourceVersion;
                RecordLocked("DELETED", removed!);
            }
        }
    }

    /// <summary>Removes every object that carries a deletion timestamp (the kubelet and GC finishing their work).</summary>
    public int FinalizeDeletions()
    {
        lock (_lock)
        {
            var keys = _objects.Where(p => p.Value.DeletionTimestamp is not null).Select(p => p.Key).ToList();
            foreach (var key in keys)
            {
                _objects.Remove(key, out var removed);
                ++_resourceVersion;
                RecordLocked("DELETED", removed!);
            }

            return keys.Count;
        }
    }

    /// <summary>Completes at the next write after the call.</summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (_lock)
        {
            task = _changed.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Events after <paramref name="resourceVersion"/> matching <paramref name="filter"/>, and the version to
    /// continue from. Null when that version is older than the retained history (kube-apiserver: 410 Gone).
    /// </summary>
    public (List<StoreEvent> Events, long Next)? EventsSince(long resourceVersion, Func<ApiObject, bool> filter)
    {
        lock (_lock)
        {
            if (_events.Count > 0 && _events.Peek().ResourceVersion > resourceVersion + 1 && resourceVersion < _resourceVersion)
            {
                return null;
            }

            var list = new List<StoreEvent>();
            foreach (var e in _events)
            {
                if (e.ResourceVersion > resourceVersion && filter(e.Object))
                {
                    list.Add(e);
                }
            }

            return (list, Math.Max(resourceVersion, _resourceVersion));
        }
    }

    private void RecordLocked(string type, ApiObject obj)
    {
        _events.Enqueue(new StoreEvent(_resourceVersion, type, obj));
        while (_events.Count > EventHistory)
        {
            _events.Dequeue();
        }

        SignalLocked();
    }

    private void SignalLocked()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
