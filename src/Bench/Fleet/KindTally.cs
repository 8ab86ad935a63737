namespace Bench.Fleet;

/// <summary>One resource's lists, list body bytes and watches, as the verifiers' clients had them answered.</summary>
internal readonly record struct KindCounts(long Lists, long ListBytes, long Watches)
{
    public static KindCounts operator -(KindCounts after, KindCounts before) =>
        new(after.Lists - before.Lists, after.ListBytes - before.ListBytes, after.Watches - before.Watches);
}

/// <summary>
/// Watch mode's requests per resource (pods, serviceaccounts, secrets, nodes), counted on the verifiers' named client
/// from the request path: LocalApiServer's counters have lists and watches per endpoint, not per resource. The list
/// bytes are the response bodies the client read; their sum is checked against the server's list bytes. Thread-safe.
/// </summary>
internal sealed class KindTally
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, KindCounts> _counts = new(StringComparer.Ordinal);

    public void AddList(string resource, long bytes)
    {
        lock (_lock)
        {
            var c = _counts.GetValueOrDefault(resource);
            _counts[resource] = c with { Lists = c.Lists + 1, ListBytes = c.ListBytes + bytes };
        }
    }

    public void AddWatch(string resource)
    {
        lock (_lock)
        {
            var c = _counts.GetValueOrDefault(resource);
            _counts[resource] = c with { Watches = c.Watches + 1 };
        }
    }

    public Dictionary<string, KindCounts> Snapshot()
    {
        lock (_lock)
        {
            return new Dictionary<string, KindCounts>(_counts, StringComparer.Ordinal);
        }
    }

    /// <summary>What changed between two snapshots; resources without a change are left out.</summary>
    public static SortedDictionary<string, KindCounts> Difference(IReadOnlyDictionary<string, KindCounts> after, IReadOnlyDictionary<string, KindCounts> before)
    {
        var result = new SortedDictionary<string, KindCounts>(StringComparer.Ordinal);
        foreach (var (resource, counts) in after)
        {
            var d = counts - before.GetValueOrDefault(resource);
            if (d != default)
            {
                result[resource] = d;
            }
        }

        return result;
    }

    /// <summary>
    /// The resource and whether it is a watch, for a collection GET (<c>/api/v1/pods</c>,
    /// <c>/api/v1/namespaces/{ns}/pods</c>, with or without <c>watch=true</c>); null for anything else.
    /// </summary>
    public static (string Resource, bool Watch)? Classify(HttpRequestMessage request)
    {
        if (request.Method != HttpMethod.Get || request.RequestUri is not { } uri)
        {
            return null;
        }

        var segments = uri.AbsolutePath.Trim('/').Split('/');
        string? resource = segments switch
        {
            ["api", "v1", var r] => r,
            ["api", "v1", "namespaces", _, var r] => r,
            _ => null,
        };
        if (resource is null)
        {
            return null;
        }

        var watch = uri.Query.TrimStart('?').Split('&').Contains("watch=true", StringComparer.Ordinal);
        return (resource, watch);
    }
}
