namespace Verifier.Testing.State;

/// <summary>
/// The emulated etcd: objects by (resource, namespace, name), thread-safe. Every write bumps a global resource
/// version and wakes <see cref="WaitForChangeAsync"/> callers (watches). The last <c>historyLimit</c> writes are
/// kept, as etcd keeps revisions until compaction: a watch or an exact list at an older version is 410 Gone.
/// </summary>
/// <param name="historyLimit">Writes kept for watches and exact lists (at least 1).</param>
internal sealed class ObjectStore(int historyLimit = ObjectStore.DefaultHistoryLimit)
{
    public const int DefaultHistoryLimit = 4096;

    private readonly Lock _lock = new();
    private readonly int _historyLimit = Math.Max(1, historyLimit);

    private readonly Dictionary<(string Resource, string Namespace, string Name), ApiObject> _objects = [];
    private readonly Queue<StoreEvent> _events = new();
    private long _resourceVersion = 1000;

    // Every write after this version is still in _events; older versions are compacted away.
    private long _historyFloor = 1000;
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
            RecordLocked("ADDED", stored, null);
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
            _objects.TryGetValue(key, out var previous);
            var stored = obj with { ResourceVersion = ++_resourceVersion };
            _objects[key] = stored;
            RecordLocked(previous is null ? "ADDED" : "MODIFIED", stored, previous);
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
            RecordLocked("MODIFIED", stored, current);
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

            RecordDeletionLocked(removed);
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
                RecordDeletionLocked(removed!);
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
                RecordDeletionLocked(removed!);
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
            if (resourceVersion < _historyFloor)
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

    /// <summary>The oldest version a watch may start from (or an exact list read at): older ones are 410 Gone.</summary>
    public long OldestResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _historyFloor;
            }
        }
    }

    /// <summary>
    /// The objects of <paramref name="resource"/> (in <paramref name="namespace"/>, or all when null) as they were at
    /// <paramref name="resourceVersion"/>, sorted by namespace then name: the current state with the later writes
    /// undone. Null when that version has been compacted away; the current state when it is in the future.
    /// </summary>
    public List<ApiObject>? ListAt(string resource, string? @namespace, long resourceVersion)
    {
        lock (_lock)
        {
            if (resourceVersion < _historyFloor)
            {
                return null;
            }

            var state = new Dictionary<(string Namespace, string Name), ApiObject>();
            foreach (var (key, o) in _objects)
            {
                if (key.Resource == resource)
                {
                    state[(key.Namespace, key.Name)] = o;
                }
            }

            foreach (var e in _events.Reverse())
            {
                if (e.ResourceVersion <= resourceVersion)
                {
                    break;
                }

                if (e.Object.Resource != resource)
                {
                    continue;
                }

                var key = (e.Object.Namespace ?? "", e.Object.Name);
                if (e.Type == "ADDED")
                {
                    state.Remove(key);
                }
                else
                {
                    state[key] = e.Previous ?? e.Object;
                }
            }

            var list = new List<ApiObject>();
            foreach (var ((ns, _), o) in state)
            {
                if (@namespace is null || ns == @namespace)
                {
                    list.Add(o);
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

    /// <summary>Drops the whole event history, as an etcd compaction at the current revision: every older version is then 410 Gone.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _events.Clear();
            _historyFloor = _resourceVersion;
        }
    }

    private void RecordDeletionLocked(ApiObject removed)
    {
        // etcd: a delete is a revision of its own; the watch event carries the object at that revision.
        ++_resourceVersion;
        RecordLocked("DELETED", removed with { ResourceVersion = _resourceVersion }, removed);
    }

    private void RecordLocked(string type, ApiObject obj, ApiObject? previous)
    {
        _events.Enqueue(new StoreEvent(_resourceVersion, type, obj, previous));
        while (_events.Count > _historyLimit)
        {
            _historyFloor = _events.Dequeue().ResourceVersion;
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
