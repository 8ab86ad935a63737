using System.Diagnostics;

namespace Bench.Compare;

/// <summary>
/// Runs an operation from 1..N concurrent callers for a fixed time and measures ops/s, latency percentiles,
/// allocations (process-wide, so modes that call the in-process emulator include its share) and API requests.
/// </summary>
internal static class LoadRunner
{
    private const int MaxSamplesPerCaller = 1 << 21;

    /// <param name="operation">Called with a running index; returns false when the operation failed (counted, not fatal).</param>
    public static async Task<Measurement> MeasureAsync(
        string name, Func<int, ValueTask<bool>> operation, int callers, TimeSpan duration, int rounds, Func<long> apiRequests, CancellationToken ct)
    {
        var results = new List<Measurement>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            results.Add(await MeasureOnceAsync(name, operation, callers, duration, apiRequests, ct).ConfigureAwait(false));
        }

        results.Sort(static (a, b) => a.OperationsPerSecond.CompareTo(b.OperationsPerSecond));
        var median = results[results.Count / 2];
        return median with { RoundsOperationsPerSecond = [.. results.Select(static r => Math.Round(r.OperationsPerSecond))] };
    }

    private static async Task<Measurement> MeasureOnceAsync(
        string name, Func<int, ValueTask<bool>> operation, int callers, TimeSpan duration, Func<long> apiRequests, CancellationToken ct)
    {
        var samples = new long[callers][];
        var counts = new int[callers];
        var failures = 0L;
        var requestsBefore = apiRequests();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        var workers = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            samples[caller] = new long[MaxSamplesPerCaller];
            workers[caller] = Task.Run(async () =>
            {
                var mine = samples[caller];
                var n = 0;
                var index = caller;
                // The deadline is checked after each operation, so every caller contributes at least one sample even
                // when the thread pool starts it late (a short window on a loaded machine once yielded zero operations).
                while (n < mine.Length && !ct.IsCancellationRequested)
                {
                    var before = Stopwatch.GetTimestamp();
                    if (!await operation(index).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref failures);
                    }

                    var after = Stopwatch.GetTimestamp();
                    mine[n++] = after - before;
                    index += callers;
                    if (after >= stopAt)
                    {
                        break;
                    }
                }

                counts[caller] = n;
            }, ct);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        var requests = apiRequests() - requestsBefore;

        var total = counts.Sum();
        var all = new long[total];
        var offset = 0;
        for (var c = 0; c < callers; c++)
        {
            Array.Copy(samples[c], 0, all, offset, counts[c]);
            offset += counts[c];
        }

        Array.Sort(all);
        double Percentile(double p) => total == 0 ? 0 : all[Math.Min(total - 1, (int)(p * total))] * 1_000_000.0 / Stopwatch.Frequency;
        return new Measurement(name, callers, total / elapsed.TotalSeconds, Percentile(0.50), Percentile(0.95), Percentile(0.99), total, failures,
            total == 0 ? 0 : allocated / (double)total, requests, []);
    }
}
