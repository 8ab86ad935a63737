namespace Verifier.Testing;

/// <summary>
/// Requests <see cref="LocalApiServer"/> answered, per endpoint and HTTP status; a dropped connection counts as
/// status <see cref="DroppedConnection"/>. Counted before the response starts, so a client that has its answer
/// sees the count. Thread-safe.
/// </summary>
public sealed class ApiCounters
{
    /// <summary>The pseudo status of a connection aborted by an <see cref="ApiFault.DropConnection"/> fault.</summary>
    public const int DroppedConnection = 0;

    private readonly Lock _lock = new();
    private readonly Dictionary<(ApiEndpoint Endpoint, int Status), long> _counts = [];

    /// <summary>Requests to <paramref name="endpoint"/>, all statuses or only <paramref name="status"/>.</summary>
    public long Count(ApiEndpoint endpoint, int? status = null)
    {
        lock (_lock)
        {
            long total = 0;
            foreach (var ((e, s), n) in _counts)
            {
                if (e == endpoint && (status is null || s == status))
                {
                    total += n;
                }
            }

            return total;
        }
    }

    /// <summary>Counts by status for <paramref name="endpoint"/>.</summary>
    public IReadOnlyDictionary<int, long> ByStatus(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            var result = new SortedDictionary<int, long>();
            foreach (var ((e, s), n) in _counts)
            {
                if (e == endpoint)
                {
                    result[s] = n;
                }
            }

            return result;
        }
    }

    /// <summary>Every request, every endpoint.</summary>
    public long Total
    {
        get
        {
            lock (_lock)
            {
                return _counts.Values.Sum();
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _counts.Clear();
        }
    }

    internal void Record(ApiEndpoint endpoint, int status)
    {
        lock (_lock)
        {
            _counts[(endpoint, status)] = _counts.GetValueOrDefault((endpoint, status)) + 1;
        }
    }
}
