namespace Bench.Compare;

/// <summary>One throughput/latency point: the median round of several.</summary>
internal sealed record Measurement(
    string Name,
    int Callers,
    double OperationsPerSecond,
    double P50Microseconds,
    double P95Microseconds,
    double P99Microseconds,
    long Operations,
    long Failures,
    double AllocatedBytesPerOperation,
    long ApiRequests,
    IReadOnlyList<double> RoundsOperationsPerSecond)
{
    /// <summary>The latest any caller made its first operation, after the measurement's clock started (ms).</summary>
    public double LastCallerStartMilliseconds { get; init; }

    /// <summary>Most work items queued in the thread pool at once (sampled every 5 ms by a thread of its own).</summary>
    public long MaxPendingWorkItems { get; init; }

    /// <summary>Thread-pool threads at the end of the measurement.</summary>
    public int ThreadPoolThreads { get; init; }

    /// <summary>CPU time of the whole process (callers, verifier, embedded API server) per operation, in µs.</summary>
    public double CpuMicrosecondsPerOperation { get; init; }

    /// <summary>TCP connections the embedded API server accepted during the measurement; null against a real cluster.</summary>
    public long? ServerConnectionsOpened { get; init; }

    /// <summary>Every API-server request the verifier sent during the measurement (TokenReviews, keys, lists, watches).</summary>
    public long AllApiRequests { get; init; }

    /// <summary>API-server requests (TokenReviews) per 1 000 verifications.</summary>
    public double ApiRequestsPerThousand => Operations == 0 ? 0 : ApiRequests * 1000.0 / Operations;
}
