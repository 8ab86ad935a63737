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
    /// <remarks>
    /// Two things here keep the harness out of the figures (issue 16, see benchmarks.md "Eight callers"): the sample
    /// buffers (16 MB per caller) are allocated once, before any clock or allocation count starts, instead of inside
    /// the measured window, where they were counted as the operations' allocations and set off gen-2 collections; and the
    /// thread pool is given a thread per caller plus headroom up front, and every caller waits at a gate, so the clock
    /// starts when all of them can run. Before, a cache hit (which completes synchronously and never gives its thread
    /// back) held the pool's few threads and the last callers started after the window, stretching it.
    /// </remarks>
    public static async Task<Measurement> MeasureAsync(
        string name, Func<int, ValueTask<bool>> operation, int callers, TimeSpan duration, int rounds, Func<long> apiRequests, CancellationToken ct,
        Func<long?>? serverConnections = null, Func<long>? allApiRequests = null)
    {
        var samples = new long[callers][];
        for (var c = 0; c < callers; c++)
        {
            samples[c] = new long[MaxSamplesPerCaller];
        }

        // Callers whose operations never yield each hold a thread; the in-process API server and the HTTP client need
        // their own on top. Without this the pool adds a thread about every half second.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        var needed = callers + (2 * Environment.ProcessorCount);
        if (minWorkers < needed)
        {
            ThreadPool.SetMinThreads(needed, minIo);
        }

        try
        {
            var results = new List<Measurement>(rounds);
            for (var round = 0; round < rounds; round++)
            {
                results.Add(await MeasureOnceAsync(name, operation, samples, duration, apiRequests, serverConnections ?? (static () => null), allApiRequests ?? apiRequests, ct).ConfigureAwait(false));
            }

            results.Sort(static (a, b) => a.OperationsPerSecond.CompareTo(b.OperationsPerSecond));
            var median = results[results.Count / 2];
            return median with { RoundsOperationsPerSecond = [.. results.Select(static r => Math.Round(r.OperationsPerSecond))] };
        }
        finally
        {
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }
    }

    private static async Task<Measurement> MeasureOnceAsync(
        string name, Func<int, ValueTask<bool>> operation, long[][] samples, TimeSpan duration, Func<long> apiRequests, Func<long?> serverConnections,
        Func<long> allApiRequests, CancellationToken ct)
    {
        var callers = samples.Length;
        var counts = new int[callers];
        var firstStarts = new long[callers];
        var failures = 0L;
        var start = 0L;
        var stopAt = long.MaxValue;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var notRunning = callers;
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            workers[caller] = Task.Run(async () =>
            {
                if (Interlocked.Decrement(ref notRunning) == 0)
                {
                    allRunning.SetResult();
                }

                await gate.Task.ConfigureAwait(false);
                var mine = samples[caller];
                firstStarts[caller] = Stopwatch.GetTimestamp() - Volatile.Read(ref start);
                var n = 0;
                var index = caller;
                var deadline = Volatile.Read(ref stopAt);
                // The deadline is checked after each operation, so every caller contributes at least one sample.
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
                    if (after >= deadline)
                    {
                        break;
                    }
                }

                counts[caller] = n;
            }, ct);
        }

        // Every caller is on a thread and waiting: start the clock and open the gate.
        await allRunning.Task.WaitAsync(ct).ConfigureAwait(false);
        var connectionsBefore = serverConnections();
        using var pool = new ThreadPoolSampler();
        var requestsBefore = apiRequests();
        var allRequestsBefore = allApiRequests();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var cpuBefore = Environment.CpuUsage.TotalTime;
        Volatile.Write(ref stopAt, Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        Volatile.Write(ref start, Stopwatch.GetTimestamp());
        gate.SetResult();

        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var requests = apiRequests() - requestsBefore;
        var allRequests = allApiRequests() - allRequestsBefore;
        var connections = serverConnections() - connectionsBefore;
        var maxPending = pool.Stop();

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
            total == 0 ? 0 : allocated / (double)total, requests, [])
        {
            LastCallerStartMilliseconds = firstStarts.Max() * 1000.0 / Stopwatch.Frequency,
            MaxPendingWorkItems = maxPending,
            ThreadPoolThreads = ThreadPool.ThreadCount,
            ServerConnectionsOpened = connections,
            AllApiRequests = allRequests,
            CpuMicrosecondsPerOperation = total == 0 ? 0 : cpu.TotalMicroseconds / total,
        };
    }

    /// <summary>
    /// Samples <see cref="ThreadPool.PendingWorkItemCount"/> every 5 ms on a thread of its own (a starved pool could
    /// not run a sampler of its own).
    /// </summary>
    private sealed class ThreadPoolSampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _max;

        public ThreadPoolSampler()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    var pending = ThreadPool.PendingWorkItemCount;
                    if (pending > Interlocked.Read(ref _max))
                    {
                        Interlocked.Exchange(ref _max, pending);
                    }

                    Thread.Sleep(5);
                }
            })
            { IsBackground = true, Name = "thread-pool sampler" };
            _thread.Start();
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Interlocked.Read(ref _max);
        }

        public void Dispose() => Stop();
    }
}
