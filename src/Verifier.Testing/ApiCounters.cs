namespace Verifier.Testing;

/// <summary>
/// Requests <see cref="LocalApiServer"/> answered, per endpoint and HTTP status; a dropped connection counts as
/// status <see cref="DroppedConnection"/>. Counted before the response starts, so a client that has its answer
/// sees the count. Also the body bytes each endpoint received and sent (request and response bodies, without HTTP
/// headers and TLS framing) and the TCP connections accepted. Thread-safe.
/// </summary>
public sealed class ApiCounters
{
    /// <summary>The pseudo status of a connection aborted by an <see cref="ApiFault.DropConnection"/> fault.</summary>
    public const int DroppedConnection = 0;

    private readonly Lock _lock = new();
    private readonly Dictionary<(ApiEndpoint Endpoint, int Status), long> _counts = [];
    private readonly Dictionary<ApiEndpoint, (long Received, long Sent)> _bytes = [];
    private long _connectionsOpened;
    private long _connectionsOpen;

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

    /// <summary>Request body bytes received by <paramref name="endpoint"/> (headers and TLS not included).</summary>
    public long BytesReceived(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            return _bytes.GetValueOrDefault(endpoint).Received;
        }
    }

    /// <summary>Response body bytes sent by <paramref name="endpoint"/>, watch events included (headers and TLS not included).</summary>
    public long BytesSent(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            return _bytes.GetValueOrDefault(endpoint).Sent;
        }
    }

    /// <summary>TCP connections accepted since the start (or the last <see cref="Reset"/>).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <summary>TCP connections open right now (not cleared by <see cref="Reset"/>).</summary>
    public long ConnectionsOpen => Interlocked.Read(ref _connectionsOpen);

    public void Reset()
    {
        lock (_lock)
        {
            _counts.Clear();
            _bytes.Clear();
        }

        Interlocked.Exchange(ref _connectionsOpened, 0);
    }

    internal void RecordBytes(ApiEndpoint endpoint, long received, long sent)
    {
        lock (_lock)
        {
            var (r, s) = _bytes.GetValueOrDefault(endpoint);
            _bytes[endpoint] = (r + received, s + sent);
        }
    }

    internal void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsOpened);
        Interlocked.Increment(ref _connectionsOpen);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    internal void Record(ApiEndpoint endpoint, int status)
    {
        lock (_lock)
        {
            _counts[(endpoint, status)] = _counts.GetValueOrDefault((endpoint, status)) + 1;
        }
    }
}
