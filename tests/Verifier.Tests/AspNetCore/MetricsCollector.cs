using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Verifier.Tests.AspNetCore;

/// <summary>Listens to every instrument of one meter (by name) and records each measurement with its tags.</summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();

    public MetricsCollector(string meterName, object? meterScope = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && (meterScope is null || ReferenceEquals(instrument.Meter.Scope, meterScope)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.Start();
    }

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    /// <summary>Polls observable instruments (gauges) once.</summary>
    public void RecordObservables() => _listener.RecordObservableInstruments();

    public IEnumerable<Measurement> For(string instrument) => Measurements.Where(m => m.Instrument == instrument);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value?.ToString();
        }

        Measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, dictionary));
    }

    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, string?> Tags)
    {
        public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value : null;
    }
}
