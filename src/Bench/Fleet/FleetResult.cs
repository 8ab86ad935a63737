using System.Globalization;

namespace Bench.Fleet;

/// <summary>Everything the fleet run measured, and the fleet model derived from it.</summary>
internal sealed class FleetResult(FleetOptions options)
{
    /// <summary>Fleet sizes the model projects to.</summary>
    public static readonly int[] FleetSizes = [10, 1_000, 10_000];

    /// <summary>An assumed TokenReview latency at a real API server, for the in-flight column (Little's law).</summary>
    public const double AssumedReviewSeconds = 0.010;

    /// <summary><c>Keys:RefreshInterval</c>'s default (the API server's <c>max-age=3600</c>).</summary>
    public const double RefreshIntervalSeconds = 3600;

    public FleetOptions Options { get; } = options;

    public string ApiServer { get; set; } = "";

    public List<FleetRow> Rows { get; } = [];

    /// <summary>Every request the API server counted from the first measurement to the last.</summary>
    public long ServerTotal { get; set; }

    /// <summary>Every request the verifiers' clients sent over the same span.</summary>
    public long ClientTotal { get; set; }

    /// <summary>How far the clock was moved at phase ends so that shadow reviews waiting out a retry delay could finish.</summary>
    public TimeSpan ClockMovedForRetries { get; set; }

    /// <summary>Sends the verifiers' clients saw fail in transport (never reached the server; the verifier retried).</summary>
    public long FailedSends { get; set; }

    /// <summary>API responses that were not 2xx (or connections dropped) over the measured span.</summary>
    public long FailedApiResponses { get; set; }

    public long PodListBytes { get; set; }

    public long ServiceAccountListBytes { get; set; }

    public double BytesPerCachedResult { get; set; }

    public int CachedResults { get; set; }

    public double BytesPerBinding { get; set; }

    public int Bindings { get; set; }

    /// <summary>True when the rows add up to the server's total and each row's server count equals its client count.</summary>
    public bool CountsAgree => Rows.Sum(r => r.Api.Requests) == ServerTotal && ClientTotal == ServerTotal && Rows.All(r => r.Api.Requests == r.ClientRequests);

    public FleetRow? Find(string mode, string shape, int instances, string phase) =>
        Rows.Find(r => r.Mode == mode && r.Shape == shape && r.Instances == instances && r.Phase == phase);

    public void Write(TextWriter output)
    {
        var o = Options;
        output.WriteLine(Invariant($"Settings: {o.Pods} pods, {o.ServiceAccounts} service accounts; {o.Callers} caller pods per replica; steady load {o.Rate} verifications per replica per second for {o.Seconds} emulated s; API server {ApiServer}"));
        output.WriteLine();
        output.WriteLine("| mode | shape | replicas | phase | API requests | answered, as the verifiers counted | discovery | JWKS | TokenReview | other | bytes in / out | connections | per verifier | ready ms (median / max) | verifications | failures |");
        output.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Rows)
        {
            var perVerifier = r.Phase == "steady" ? Invariant($"{r.PerVerifier:0.###}/s") : Invariant($"{r.PerVerifier:0.##}");
            var ready = r.Ready is { } t ? Invariant($"{t.MedianMs:0} / {t.MaxMs:0}") : "";
            var shape = r.Shape == FleetRun.SidecarShape ? "1 sidecar" : r.Shape;
            output.WriteLine(Invariant(
                $"| {r.Mode} | {shape} | {r.Instances} | {r.Phase}{(r.EmulatedSeconds > 0 ? $" ({r.EmulatedSeconds:0} s)" : "")} | {r.Api.Requests} | {r.ClientRequests} | {r.Api.Discovery} | {r.Api.Jwks} | {r.Api.TokenReviews} | {r.Api.Other + r.Api.Lists} | {r.Api.BytesReceived:N0} / {r.Api.BytesSent:N0} | {r.Api.ConnectionsOpened} | {perVerifier} | {ready} | {r.Verifications} | {r.Failures} |"));
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Request counts: the API server counted {ServerTotal} over the run, the verifiers' clients had {ClientTotal} answered, the rows add up to {Rows.Sum(r => r.Api.Requests)}: {(CountsAgree ? "they agree" : "THEY DIFFER")}."));
        output.WriteLine(Invariant($"API responses other than 2xx: {FailedApiResponses}; sends that failed in transport or were cancelled (retried; not in the verifiers' count): {FailedSends}; clock moved {ClockMovedForRetries.TotalSeconds:0.#} s at phase ends for shadow reviews waiting out a retry delay."));
        output.WriteLine(Invariant($"Bytes are request / response bodies at the API server (HTTP headers and TLS not included). A watch-based verifier (issue 13) would list at start: pods {PodListBytes:N0} B, service accounts {ServiceAccountListBytes:N0} B."));
        output.WriteLine(Invariant($"Memory: {PerEntry(BytesPerCachedResult, CachedResults)} per cached result ({CachedResults} entries, Local mode), {PerEntry(BytesPerBinding, Bindings)} per remembered binding ({Bindings} bindings, Hybrid mode without the result cache); managed heap after a full GC, difference / entries."));
        output.WriteLine();
        WriteModel(output);
    }

    /// <summary>The API-server load of larger fleets, from the per-verifier figures of the largest measurement.</summary>
    public void WriteModel(TextWriter output)
    {
        var largest = Options.Instances[^1];
        output.WriteLine(Invariant($"Fleet model (per-verifier figures from the {largest}-instance rows; replicas per node for the sidecar shape: {largest}):"));
        output.WriteLine();
        output.WriteLine("| mode | shape | formula (steady requests/s) | 10 replicas | 1 000 replicas | 10 000 replicas | watch streams at 10 000 | start requests at 10 000 | per verifier vs client-go QPS 5 | TokenReviews in flight at 10 000, 10 ms each (mutating limit 200) |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---|---:|");
        foreach (var mode in Options.Modes)
        {
            var steady = Find(mode, FleetRun.VerifiersShape, largest, "steady");
            var start = Find(mode, FleetRun.VerifiersShape, largest, "start");
            if (steady is not null && start is not null)
            {
                // The periodic key refresh (Keys:RefreshInterval, 1 h) is too slow to show in the steady window: it
                // costs what the start's discovery and JWKS cost, once an hour.
                var refresh = (start.Api.Discovery + start.Api.Jwks) / (double)start.Verifiers / RefreshIntervalSeconds;
                var r = steady.PerVerifier + refresh;
                var reviews = steady.Api.TokenReviews / (double)steady.Verifiers / steady.EmulatedSeconds;
                WriteModelRow(output, mode, "one verifier per replica", Invariant($"N × ({start.PerVerifier:0.#}/3600 + {steady.PerVerifier:0.###})"), n => n * r, 0,
                    start.PerVerifier * 10_000, r, reviews * 10_000 * AssumedReviewSeconds);
            }

            var sidecar = Find(mode, FleetRun.SidecarShape, largest, "steady");
            var sidecarStart = Find(mode, FleetRun.SidecarShape, largest, "start");
            if (sidecar is not null && sidecarStart is not null)
            {
                var refresh = (sidecarStart.Api.Discovery + sidecarStart.Api.Jwks) / RefreshIntervalSeconds;
                var r = sidecar.PerVerifier + refresh;
                var reviews = sidecar.Api.TokenReviews / sidecar.EmulatedSeconds;
                double Nodes(int n) => Math.Ceiling(n / (double)largest);
                WriteModelRow(output, mode, Invariant($"one verifier per node ({largest} replicas each)"), Invariant($"⌈N / {largest}⌉ × ({sidecarStart.PerVerifier:0.#}/3600 + {sidecar.PerVerifier:0.###})"), n => Nodes(n) * r, 0,
                    sidecarStart.PerVerifier * Nodes(10_000), r, reviews * Nodes(10_000) * AssumedReviewSeconds);
            }
        }

        // Issue 13 (not built yet): the slot its measured figures will fill.
        var listBytes = PodListBytes + ServiceAccountListBytes;
        output.WriteLine(Invariant(
            $"| watch (issue 13, not built) | one verifier per replica | N × K lists at start + N × K watch streams (K = 2 kinds: pods, service accounts); steady ≈ 0 requests/s, events only | – | – | – | 20,000 | 20,000 lists ({listBytes * 10_000 / 1e9:0.##} GB at today's list sizes) | – | – |"));
    }

    private static void WriteModelRow(TextWriter output, string mode, string shape, string formula, Func<int, double> rps, int streams, double startRequests, double perVerifier, double inFlight)
    {
        var perClient = perVerifier <= 5 ? Invariant($"{perVerifier:0.###}/s: under") : Invariant($"{perVerifier:0.###}/s: over, throttled");
        output.WriteLine(Invariant(
            $"| {mode} | {shape} | {formula} | {rps(10):N2} | {rps(1_000):N1} | {rps(10_000):N1} | {streams} | {startRequests:N0} | {perClient} | {inFlight:N1} |"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A per-entry figure, or "not measurable" when so few entries were added that the heap's own noise after a full GC
    /// (tens of KB) could exceed their size: a tiny run once printed −5 564 B per entry.
    /// </summary>
    private static string PerEntry(double bytesPerEntry, int entries) =>
        entries < MinimumMeasuredEntries ? Invariant($"not measurable (under {MinimumMeasuredEntries} entries)") : Invariant($"{bytesPerEntry:N0} B");

    private const int MinimumMeasuredEntries = 500;
}
