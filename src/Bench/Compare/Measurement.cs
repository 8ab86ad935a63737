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
    /// <summary>API-server requests (TokenReviews) per 1 000 verifications.</summary>
    public double ApiRequestsPerThousand => Operations == 0 ? 0 : ApiRequests * 1000.0 / Operations;
}
