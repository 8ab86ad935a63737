using System.Globalization;
using Verifier;

namespace Bench.Soak;

/// <summary>One mode's soak: samples over time, latency percentiles, the bounds the caches must stay within.</summary>
internal sealed class SoakModeResult(VerificationMode mode)
{
    public VerificationMode Mode { get; } = mode;

    public List<SoakSample> Samples { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public long Verifications { get; set; }

    public long Exceptions { get; set; }

    public double P50Microseconds { get; set; }

    public double P99Microseconds { get; set; }

    /// <summary>The managed heap after a forced full GC once the caches were filled (before the measured load).</summary>
    public long HeapAfterWarmupBytes { get; set; }

    /// <summary>The managed heap after a forced full GC at the end, the verifier still alive.</summary>
    public long HeapAtEndBytes { get; set; }

    /// <summary>API-server requests (all endpoints) during the measured load.</summary>
    public long ApiRequests { get; set; }

    public int MaxResultCacheEntries { get; set; }

    public int ResultCacheBound { get; set; }

    public int MaxUnknownKidEntries { get; set; }

    public int UnknownKidBound { get; set; }

    public int MaxBindingEntries { get; set; }

    public int BindingBound { get; set; }

    public double VerificationsPerSecond => Verifications / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public double ApiRequestsPerThousand => Verifications == 0 ? 0 : ApiRequests * 1000.0 / Verifications;

    public void Write(TextWriter output)
    {
        const double MiB = 1024 * 1024;
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"== {Mode}: {Verifications:N0} verifications in {Elapsed.TotalSeconds:0.0} s = {VerificationsPerSecond:N0}/s; p50 {P50Microseconds:0.0} µs, p99 {P99Microseconds:0.0} µs; exceptions {Exceptions}"));
        output.WriteLine(string.Create(c, $"   API-server requests: {ApiRequests:N0} = {ApiRequestsPerThousand:0.000} per 1 000 verifications"));
        var bindings = Mode == VerificationMode.Hybrid ? string.Create(c, $", bindings {MaxBindingEntries:N0} / {BindingBound:N0}") : "";
        output.WriteLine(string.Create(c, $"   peak cache sizes: results {MaxResultCacheEntries:N0} / {ResultCacheBound:N0}, unknown kids {MaxUnknownKidEntries:N0} / {UnknownKidBound:N0}{bindings}"));
        output.WriteLine(string.Create(c, $"   managed heap after forced GC: {HeapAfterWarmupBytes / MiB:0.0} MiB after warm-up, {HeapAtEndBytes / MiB:0.0} MiB at the end"));
        output.WriteLine("       at   verifications  working set  managed heap  gen0  gen1  gen2  results  unknown kids  bindings  API requests");
        foreach (var s in Samples)
        {
            output.WriteLine(string.Create(c, $"   {s.At:mm\\:ss\\.f} {s.Verifications,15:N0} {s.WorkingSetBytes / MiB,8:0.0} MiB {s.ManagedHeapBytes / MiB,9:0.0} MiB {s.Gen0,5} {s.Gen1,5} {s.Gen2,5} {s.ResultCacheEntries,8:N0} {s.UnknownKidEntries,13:N0} {s.BindingEntries,9:N0} {s.ApiRequests,13:N0}"));
        }
    }
}
