using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Verifier.Diagnostics;

namespace Verifier.Tests.Client;

/// <summary>A <see cref="VerifierMetrics"/> on a private meter factory, with a listener that records the client warning counter.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Source, string Kind)> _warnings = new();

    public MetricRecorder(TimeProvider time)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new VerifierMetrics(factory, time);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, Metrics.Meter) && instrument.Name == "verifier.client.token.warnings")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? source = null, kind = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "source")
                {
                    source = tag.Value as string;
                }
                else if (tag.Key == "kind")
                {
                    kind = tag.Value as string;
                }
            }

            _warnings.Enqueue((source ?? "", kind ?? ""));
        });
        _listener.Start();
    }

    internal VerifierMetrics Metrics { get; }

    public IReadOnlyList<(string Source, string Kind)> Warnings => [.. _warnings];

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
