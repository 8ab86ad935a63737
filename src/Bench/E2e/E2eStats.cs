using System.Diagnostics.Metrics;
using System.Globalization;

namespace Bench.E2e;

/// <summary>
/// What the end-to-end server observed, read by the driver before and after each load run (<c>GET /e2e/stats</c>):
/// requests served, bytes allocated by the whole process, outgoing HTTP requests (to the API server, whoever sends
/// them) and the verifier's cache lookups by cache and result, all from the runtime's and the library's own meters.
/// </summary>
internal sealed class E2eStats : IDisposable
{
    private static readonly string[] Caches = ["result", "tokenreview", "binding"];
    private readonly MeterListener _listener = new();
    private readonly long[] _hits = new long[Caches.Length];
    private readonly long[] _misses = new long[Caches.Length];
    private long _served;
    private long _outgoing;

    public E2eStats()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument is { Meter.Name: "Verifier", Name: "verifier.cache.lookups" } or { Meter.Name: "System.Net.Http", Name: "http.client.request.duration" })
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLookup);
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _outgoing));
        _listener.Start();
    }

    public void Served() => Interlocked.Increment(ref _served);

    /// <summary>One line of <c>name=value</c> pairs; the allocation figure is exact (GC.GetTotalAllocatedBytes(true)).</summary>
    public string Snapshot()
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"served={Volatile.Read(ref _served)} allocated={GC.GetTotalAllocatedBytes(precise: true)} outgoing={Volatile.Read(ref _outgoing)}");
        for (var i = 0; i < Caches.Length; i++)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" {Caches[i]}_hit={Volatile.Read(ref _hits[i])} {Caches[i]}_miss={Volatile.Read(ref _misses[i])}");
        }

        return line + $" gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)}";
    }

    private void OnLookup(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? cache = null;
        var hit = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "cache")
            {
                cache = tag.Value as string;
            }
            else if (tag.Key == "result")
            {
                hit = tag.Value as string == "hit";
            }
        }

        var index = Array.IndexOf(Caches, cache);
        if (index >= 0)
        {
            Interlocked.Add(ref hit ? ref _hits[index] : ref _misses[index], value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
