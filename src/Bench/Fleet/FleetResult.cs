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

    /// <summary>
    /// The mean life of a watch stream: <c>Watch:WatchTimeout</c>'s default 300 s plus its jitter of up to 10 % (mean
    /// 5 %). Each stream is re-opened (from its last version, no list) that often: too slow to show in the steady window.
    /// </summary>
    public const double MeanWatchSeconds = 300 * 1.05;

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
        output.WriteLine("| mode | shape | replicas | phase | API requests | answered, as the verifiers counted | discovery | JWKS | TokenReview | lists | watches opened | other | open streams at the end | bytes in / out | connections | per verifier | ready ms (median / max) | verifications | failures |");
        output.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Rows)
        {
            var perVerifier = r.Phase == "steady" ? Invariant($"{r.PerVerifier:0.###}/s") : Invariant($"{r.PerVerifier:0.##}");
            var ready = r.Ready is { } t ? Invariant($"{t.MedianMs:0} / {t.MaxMs:0}") : "";
            var shape = r.Shape == FleetRun.SidecarShape ? "1 sidecar" : r.Shape;
            output.WriteLine(Invariant(
                $"| {r.Mode} | {shape} | {r.Instances} | {r.Phase}{(r.EmulatedSeconds > 0 ? $" ({r.EmulatedSeconds:0} s)" : "")} | {r.Api.Requests} | {r.ClientRequests} | {r.Api.Discovery} | {r.Api.Jwks} | {r.Api.TokenReviews} | {r.Api.Lists} | {r.Api.Watches} | {r.Api.Other} | {r.OpenStreams} | {r.Api.BytesReceived:N0} / {r.Api.BytesSent:N0} | {r.Api.ConnectionsOpened} | {perVerifier} | {ready} | {r.Verifications} | {r.Failures} |"));
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Request counts: the API server counted {ServerTotal} over the run, the verifiers' clients had {ClientTotal} answered, the rows add up to {Rows.Sum(r => r.Api.Requests)}: {(CountsAgree ? "they agree" : "THEY DIFFER")}."));
        output.WriteLine(Invariant($"API responses other than 2xx: {FailedApiResponses}; sends that failed in transport or were cancelled (retried; not in the verifiers' count): {FailedSends}; clock moved {ClockMovedForRetries.TotalSeconds:0.#} s at phase ends for shadow reviews waiting out a retry delay."));
        output.WriteLine(Invariant($"Bytes are request / response bodies at the API server (HTTP headers and TLS not included). For comparison, full-object lists (not what watch mode asks for): pods {PodListBytes:N0} B, service accounts {ServiceAccountListBytes:N0} B."));
        WriteKinds(output);
        output.WriteLine(Invariant($"Memory: {PerEntry(BytesPerCachedResult, CachedResults)} per cached result ({CachedResults} entries, Local mode), {PerEntry(BytesPerBinding, Bindings)} per remembered binding ({Bindings} bindings, Hybrid mode without the result cache); managed heap after a full GC, difference / entries."));
        output.WriteLine();
        WriteModel(output);
    }

    /// <summary>True when, on every row, the list bytes the clients read per resource add up to the server's list bytes.</summary>
    public bool KindBytesAgree => Rows.All(r => r.Kinds.Values.Sum(k => k.ListBytes) == r.Api.ListBytes && r.Kinds.Values.Sum(k => k.Lists) == r.Api.Lists && r.Kinds.Values.Sum(k => k.Watches) == r.Api.Watches);

    /// <summary>Watch mode's start per resource: the paged metadata lists and the streams opened.</summary>
    private void WriteKinds(TextWriter output)
    {
        var starts = Rows.Where(r => r.Phase == "start" && r.Kinds.Count > 0).ToList();
        if (starts.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("Start per resource (watch mode; the verifiers' clients, by request path: metadata-only lists, `limit=500` pages):");
        output.WriteLine();
        output.WriteLine("| mode | shape | replicas | resource | lists (pages) | list bytes | per verifier | watches opened |");
        output.WriteLine("|---|---|---:|---|---:|---:|---:|---:|");
        foreach (var r in starts)
        {
            var shape = r.Shape == FleetRun.SidecarShape ? "1 sidecar" : r.Shape;
            foreach (var (resource, k) in r.Kinds)
            {
                output.WriteLine(Invariant($"| {r.Mode} | {shape} | {r.Instances} | {resource} | {k.Lists} | {k.ListBytes:N0} | {k.ListBytes / (double)r.Verifiers:N0} B | {k.Watches} |"));
            }
        }

        output.WriteLine();
        output.WriteLine(KindBytesAgree
            ? "Per resource, the lists, list bytes and watches the clients counted add up to the server's counts on every row."
            : "Per resource, the clients' lists, list bytes or watches DIFFER from the server's counts.");
    }

    /// <summary>The API-server load of larger fleets, from the per-verifier figures of the largest measurement.</summary>
    public void WriteModel(TextWriter output)
    {
        var largest = Options.Instances[^1];
        output.WriteLine(Invariant($"Fleet model (per-verifier figures from the {largest}-instance rows; replicas per node for the sidecar shape: {largest}):"));
        output.WriteLine();
        output.WriteLine("| mode | shape | formula (steady requests/s) | 10 replicas | 1 000 replicas | 10 000 replicas | watch streams at 10 000 | start requests at 10 000 | start bytes out at 10 000 | per verifier vs client-go QPS 5 | TokenReviews in flight at 10 000, 10 ms each (mutating limit 200) |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var mode in Options.Modes)
        {
            var steady = Find(mode, FleetRun.VerifiersShape, largest, "steady");
            var start = Find(mode, FleetRun.VerifiersShape, largest, "start");
            if (steady is not null && start is not null)
            {
                // The periodic key refresh (Keys:RefreshInterval, 1 h) is too slow to show in the steady window: it
                // costs what the start's discovery and JWKS cost, once an hour.
                var keys = (start.Api.Discovery + start.Api.Jwks) / (double)start.Verifiers;
                var streams = steady.OpenStreams / (double)steady.Verifiers;
                var reopens = Reopens(steady, streams);
                var r = steady.PerVerifier + (keys / RefreshIntervalSeconds) + (reopens / MeanWatchSeconds);
                var reviews = steady.Api.TokenReviews / (double)steady.Verifiers / steady.EmulatedSeconds;
                WriteModelRow(output, mode, "one verifier per replica", Invariant($"N × ({Formula(keys, reopens, steady.PerVerifier)})"), n => n * r, streams * 10_000,
                    start.PerVerifier * 10_000, start.Api.BytesSent / (double)start.Verifiers * 10_000, r, reviews * 10_000 * AssumedReviewSeconds);
            }

            var sidecar = Find(mode, FleetRun.SidecarShape, largest, "steady");
            var sidecarStart = Find(mode, FleetRun.SidecarShape, largest, "start");
            if (sidecar is not null && sidecarStart is not null)
            {
                var keys = sidecarStart.Api.Discovery + sidecarStart.Api.Jwks;
                var streams = (double)sidecar.OpenStreams;
                var reopens = Reopens(sidecar, streams);
                var r = sidecar.PerVerifier + (keys / RefreshIntervalSeconds) + (reopens / MeanWatchSeconds);
                var reviews = sidecar.Api.TokenReviews / sidecar.EmulatedSeconds;
                double Nodes(int n) => Math.Ceiling(n / (double)largest);
                WriteModelRow(output, mode, Invariant($"one verifier per node ({largest} replicas each)"), Invariant($"⌈N / {largest}⌉ × ({Formula(keys, reopens, sidecar.PerVerifier)})"), n => Nodes(n) * r, streams * Nodes(10_000),
                    sidecarStart.PerVerifier * Nodes(10_000), sidecarStart.Api.BytesSent * Nodes(10_000), r, reviews * Nodes(10_000) * AssumedReviewSeconds);
            }
        }
    }

    /// <summary>
    /// The streams a verifier re-opens per mean stream life, added to the model: all of them, unless the steady window
    /// was long enough (<c>--seconds</c> past the watch timeout) to measure re-opens itself.
    /// </summary>
    private static double Reopens(FleetRow steady, double streams) => steady.Api.Watches == 0 ? streams : 0;

    /// <summary>
    /// One verifier's steady rate: key refreshes per hour, stream re-opens per mean stream life (watch mode), and what
    /// the steady window measured.
    /// </summary>
    private static string Formula(double keys, double reopens, double measured) => reopens > 0
        ? Invariant($"{keys:0.#}/3600 + {reopens:0.#}/{MeanWatchSeconds:0} + {measured:0.###}")
        : Invariant($"{keys:0.#}/3600 + {measured:0.###}");

    private static void WriteModelRow(TextWriter output, string mode, string shape, string formula, Func<int, double> rps, double streams, double startRequests, double startBytes, double perVerifier, double inFlight)
    {
        var perClient = perVerifier <= 5 ? Invariant($"{perVerifier:0.###}/s: under") : Invariant($"{perVerifier:0.###}/s: over, throttled");
        output.WriteLine(Invariant(
            $"| {mode} | {shape} | {formula} | {rps(10):N2} | {rps(1_000):N1} | {rps(10_000):N1} | {streams:N0} | {startRequests:N0} | {Bytes(startBytes)} | {perClient} | {inFlight:N1} |"));
    }

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1e9 => Invariant($"{bytes / 1e9:0.##} GB"),
        >= 1e6 => Invariant($"{bytes / 1e6:0.##} MB"),
        >= 1e3 => Invariant($"{bytes / 1e3:0.#} kB"),
        _ => Invariant($"{bytes:0} B"),
    };

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A per-entry figure, or "not measurable" when so few entries were added that the heap's own noise after a full GC
    /// (tens of KB) could exceed their size: a tiny run once printed −5 564 B per entry.
    /// </summary>
    private static string PerEntry(double bytesPerEntry, int entries) =>
        entries < MinimumMeasuredEntries ? Invariant($"not measurable (under {MinimumMeasuredEntries} entries)") : Invariant($"{bytesPerEntry:N0} B");

    private const int MinimumMeasuredEntries = 500;
}
