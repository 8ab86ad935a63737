using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Verifier;

namespace Bench.Compare;

/// <summary>Everything the run found, renderable as Markdown (console and <c>--out</c>) and JSON (<c>--json</c>).</summary>
internal sealed class CompareReport
{
    public required string Generated { get; init; }

    public required string Environment { get; init; }

    public required string Target { get; init; }

    public required string Command { get; init; }

    public double ElapsedSeconds { get; set; }

    public required List<AgreementRow> Agreement { get; init; }

    public required Dictionary<string, string> SkippedCategories { get; init; }

    public required List<Measurement> Performance { get; init; }

    public required List<RatioRow> Ratios { get; init; }

    public required Dictionary<string, long> AgreementPassApiRequests { get; init; }

    public required Dictionary<string, List<string>> ShadowReports { get; init; }

    /// <summary>Per mode: what it costs the API server, its watch streams, and how soon a deleted pod's token stops working.</summary>
    public required List<ModeCostRow> Costs { get; init; }

    /// <summary>The verdict: disagreements with TokenReview that no expectation explains. The only input to <see cref="ExitCode"/>.</summary>
    public int UnexplainedDisagreements => Agreement.Sum(static r => r.Cells.Count(static c => c.Status == AgreementStatus.Unexpected));

    /// <summary>Ratio targets missed. Machine-dependent (cores, load, CPU): reported, never part of <see cref="ExitCode"/>.</summary>
    public int MachineDependentTargetsMissed => Ratios.Count(static r => r.Met == false);

    /// <summary>Target ratios the chosen <c>--modes</c> cannot compute, with the modes each needs.</summary>
    public List<string> RatiosNotComputed { get; init; } = [];

    /// <summary>0 when every verdict agrees where it is meant to, 1 otherwise; speed figures never change it.</summary>
    public int ExitCode => UnexplainedDisagreements == 0 ? CompareExitCode.Agreement : CompareExitCode.Disagreement;

    public static CompareReport Build(CompareOptions options, ICompareTarget target, Corpus corpus, ReferenceVerdict[] reference, List<ModeResult> results, List<Measurement> floor)
    {
        var rows = new List<AgreementRow>();
        foreach (var category in Enum.GetValues<TokenCategory>())
        {
            var indexes = Enumerable.Range(0, corpus.Tokens.Count).Where(i => corpus.Tokens[i].Category == category).ToArray();
            if (indexes.Length == 0)
            {
                continue;
            }

            var cells = new List<AgreementCell>();
            foreach (var result in results)
            {
                var agreed = indexes.Count(i => result.Verdicts[i].Accepted == reference[i].Authenticated);
                var disagreed = indexes.Length - agreed;
                var expected = Expectations.ExpectedDisagreement(result.Mode.Name, category);
                var status = disagreed == 0
                    ? (expected is null ? AgreementStatus.Agree : AgreementStatus.Unexpected)
                    : (expected is not null && disagreed == indexes.Length ? AgreementStatus.Expected : AgreementStatus.Unexpected);
                var reasons = indexes.Where(i => !result.Verdicts[i].Accepted).GroupBy(i => result.Verdicts[i].Reason)
                    .OrderByDescending(static g => g.Count()).Select(static g => $"{g.Key} {g.Count()}");
                cells.Add(new AgreementCell(result.Mode.Name, agreed, disagreed, status, expected, string.Join(", ", reasons)));
            }

            var referenceErrors = indexes.Select(i => reference[i].Error).Where(static e => e is not null).GroupBy(static e => e!)
                .OrderByDescending(static g => g.Count()).Select(static g => g.Key).FirstOrDefault();
            rows.Add(new AgreementRow(category.ToString(), indexes.Length, indexes.Count(i => reference[i].Authenticated), referenceErrors, cells));
        }

        var performance = results.SelectMany(static r => r.Measurements).Concat(floor).ToList();
        var costs = results.Select(static r => ModeCostRow.From(r)).ToList();
        var (ratios, notComputed) = BuildRatios(options, performance, costs);
        return new CompareReport
        {
            Generated = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Environment = $"{System.Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}",
            Target = target.Description,
            Command = "dotnet run -c Release --project src/Bench" + (System.Environment.GetCommandLineArgs().Length > 1 ? " -- " + string.Join(' ', System.Environment.GetCommandLineArgs()[1..]) : ""),
            Agreement = rows,
            SkippedCategories = corpus.Skipped.ToDictionary(static p => p.Key.ToString(), static p => p.Value),
            Performance = performance,
            Ratios = ratios,
            RatiosNotComputed = notComputed,
            AgreementPassApiRequests = results.ToDictionary(static r => r.Mode.Name, static r => r.AgreementPassApiRequests),
            ShadowReports = results.Where(static r => r.ShadowReport.Count > 0).ToDictionary(static r => r.Mode.Name, static r => r.ShadowReport),
            Costs = costs,
        };
    }

    private static (List<RatioRow> Ratios, List<string> NotComputed) BuildRatios(CompareOptions options, List<Measurement> performance, List<ModeCostRow> costs)
    {
        var ratios = new List<RatioRow>();
        var notComputed = new List<string>();
        foreach (var callers in new[] { 1, options.Concurrency }.Distinct())
        {
            double? Rate(string name) => performance.FirstOrDefault(m => m.Name == name && m.Callers == callers)?.OperationsPerSecond;
            string Label(string what) => $"{what} ({callers} caller{(callers == 1 ? "" : "s")})";
            void Ratio(string what, string numerator, string denominator, double? target)
            {
                if (Rate(numerator) is { } n && Rate(denominator) is { } d && d > 0)
                {
                    ratios.Add(new RatioRow(Label(what), Math.Round(n / d, n / d < 10 ? 2 : 1), target is { } t ? $">= {t.ToString(CultureInfo.InvariantCulture)}x" : "—", target is { } goal ? n / d >= goal : null));
                }
                else if (target is not null && callers == 1)
                {
                    notComputed.Add($"{what} needs --modes with {numerator} and {denominator}");
                }
            }

            Ratio("local cached / tokenreview uncached", "local", "tokenreview-uncached", 50);
            Ratio("hybrid / tokenreview uncached", "hybrid", "tokenreview-uncached", 50);
            Ratio("local uncached / tokenreview uncached", "local-uncached", "tokenreview-uncached", 3);
            Ratio("local cached / local uncached", "local", "local-uncached", 15);
            Ratio("hybrid / local cached", "hybrid", "local", null);

            // Issue 13: the watch mode's throughput within 10 % of Local.
            Ratio("watch / local cached", "watch", "local", 0.9);

            // Always computable, whatever --modes says: each mode against the no-op HTTPS request to the same server,
            // the floor under any TokenReview call (how many verifications fit in one API round trip). No target.
            foreach (var mode in performance.Where(m => m.Callers == callers && m.Name != LoadRunnerFloor).Select(static m => m.Name).Distinct())
            {
                Ratio($"{mode} / no-op HTTPS request (floor)", mode, LoadRunnerFloor, null);
            }
        }

        var hybrid = performance.FirstOrDefault(static m => m.Name == "hybrid" && m.Callers == 1);
        var review = performance.FirstOrDefault(static m => m.Name == "tokenreview-uncached" && m.Callers == 1);
        if (hybrid is not null && review is not null && review.ApiRequestsPerThousand > 0)
        {
            var fewer = 100.0 * (1 - (hybrid.ApiRequestsPerThousand / review.ApiRequestsPerThousand));
            ratios.Add(new RatioRow("hybrid: fewer API-server requests than TokenReview mode (%)", Math.Round(fewer, 2), ">= 99 %", fewer >= 99));
        }

        var watch = costs.Find(static c => c.Mode == "watch");
        var reviewAll = costs.Find(static c => c.Mode == "tokenreview-uncached");
        if (watch is not null && reviewAll is not null && reviewAll.ApiRequestsPerThousand > 0)
        {
            var fewer = 100.0 * (1 - (watch.ApiRequestsPerThousand / reviewAll.ApiRequestsPerThousand));
            ratios.Add(new RatioRow("watch: fewer API-server requests than TokenReview mode under load (%)", Math.Round(fewer, 2), ">= 99 %", fewer >= 99));
        }

        return (ratios, notComputed);
    }

    private const string LoadRunnerFloor = "https-noop-floor";

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("# Compare: local verification vs TokenReview").AppendLine();
        sb.AppendLine(inv, $"- Generated: {Generated}; {ElapsedSeconds.ToString("0.#", inv)} s").AppendLine(inv, $"- Environment: {Environment}")
          .AppendLine(inv, $"- Target: {Target}").AppendLine(inv, $"- Command: `{Command}`").AppendLine();
        sb.AppendLine(inv, $"**Verdict (decides the exit code, {ExitCode}):** {(UnexplainedDisagreements == 0 ? "every mode agrees with TokenReview wherever it is meant to" : $"{UnexplainedDisagreements} unexplained disagreement(s) with TokenReview")}.")
          .AppendLine()
          .AppendLine(inv, $"**Machine-dependent (never decide the exit code):** throughput, latency, allocations and ratios depend on the cores, the CPU and what else runs; " +
            $"compare them only within one run. {(MachineDependentTargetsMissed == 0 ? "Every ratio target that could be computed was met" : $"{MachineDependentTargetsMissed} ratio target(s) missed on this machine")}.")
          .AppendLine();

        sb.AppendLine("## Verdict agreement with TokenReview (the reference)").AppendLine();
        var modes = Agreement.Count == 0 ? [] : Agreement[0].Cells.Select(static c => c.Mode).ToList();
        sb.Append("| category | tokens | TokenReview accepts |");
        foreach (var mode in modes)
        {
            sb.Append(inv, $" {mode} |");
        }

        sb.AppendLine().Append("|---|---:|---:|").AppendLine(string.Concat(modes.Select(static _ => "---|")));
        foreach (var row in Agreement)
        {
            sb.Append(inv, $"| {row.Category} | {row.Tokens} | {row.ReferenceAccepted} |");
            foreach (var cell in row.Cells)
            {
                var mark = cell.Status switch { AgreementStatus.Agree => "agree", AgreementStatus.Expected => "differs (expected)", _ => "**DIFFERS (unexplained)**" };
                sb.Append(inv, $" {cell.Agreed}/{row.Tokens} {mark} |");
            }

            sb.AppendLine();
        }

        sb.AppendLine().AppendLine(UnexplainedDisagreements == 0
            ? "Every mode agrees with TokenReview on every category where it is meant to; each expected difference is explained below."
            : $"**{UnexplainedDisagreements} unexplained disagreement(s): a bug in a mode or in the reference.**").AppendLine();

        sb.AppendLine("Why the expected differences happen:").AppendLine();
        foreach (var explained in Agreement.SelectMany(static r => r.Cells.Where(static c => c.Expected is not null).Select(c => (r.Category, c))).GroupBy(static x => x.c.Expected))
        {
            sb.AppendLine(inv, $"- {string.Join(", ", explained.Select(static x => $"{x.c.Mode}/{x.Category}"))}: {explained.Key}");
        }

        foreach (var (category, why) in SkippedCategories)
        {
            sb.AppendLine(inv, $"- {category} not produced: {why}.");
        }

        sb.AppendLine().AppendLine("Reference errors and mode reasons per category:").AppendLine();
        foreach (var row in Agreement.Where(static r => r.ReferenceError is not null || r.Cells.Any(static c => c.Reasons.Length > 0)))
        {
            var reasons = string.Join("; ", row.Cells.Where(static c => c.Reasons.Length > 0).Select(static c => $"{c.Mode}: {c.Reasons}"));
            sb.AppendLine(inv, $"- {row.Category}: TokenReview `{row.ReferenceError ?? "authenticated"}`; {reasons}");
        }

        sb.AppendLine().AppendLine("## Throughput and latency (valid tokens, round-robin over the corpus)").AppendLine();
        sb.AppendLine("| mode | callers | ops/s | p50 µs | p95 µs | p99 µs | TokenReviews / 1k ops | alloc B/op* | failures |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in Performance)
        {
            sb.AppendLine(inv, $"| {m.Name} | {m.Callers} | {m.OperationsPerSecond:N0} | {m.P50Microseconds:0.0} | {m.P95Microseconds:0.0} | {m.P99Microseconds:0.0} | {m.ApiRequestsPerThousand:0.##} | {m.AllocatedBytesPerOperation:N0} | {m.Failures} |");
        }

        sb.AppendLine().AppendLine("\\* process-wide allocations per operation: for modes that call the embedded API server they include the server's own share. " +
            "ops/s is the median of the rounds; `https-noop-floor` is a kept-alive HTTPS GET of `/version` to the same API server, the floor under any TokenReview call.").AppendLine();

        // What the harness saw while measuring (the figures behind issue 16's "8 callers" finding).
        sb.AppendLine("Harness, per measurement (median round): last caller's start after the clock started, most thread-pool work items queued, " +
            "thread-pool threads at the end, new connections the embedded API server accepted, process CPU per operation: " +
            string.Join("; ", Performance.Select(static m => string.Create(CultureInfo.InvariantCulture,
                $"{m.Name} x{m.Callers} {m.LastCallerStartMilliseconds:0.#} ms / {m.MaxPendingWorkItems} / {m.ThreadPoolThreads} / {(m.ServerConnectionsOpened is { } c ? c.ToString(CultureInfo.InvariantCulture) : "n/a")} / {m.CpuMicrosecondsPerOperation:0.#} µs")))).AppendLine();

        sb.AppendLine("TokenReviews sent while verifying each corpus token once: " +
            string.Join(", ", AgreementPassApiRequests.Select(static p => $"{p.Key} {p.Value}"))).AppendLine();

        AppendCosts(sb);

        sb.AppendLine("## Ratios (machine-dependent: reported, never fail the run)").AppendLine()
          .AppendLine("| ratio | measured | target | met |").AppendLine("|---|---:|---|---|");
        foreach (var r in Ratios)
        {
            var met = r.Met switch { true => "yes", false => "no (machine-dependent)", null => "—" };
            sb.AppendLine(inv, $"| {r.Name} | {r.Value.ToString("0.##", inv)} | {r.Target} | {met} |");
        }

        if (RatiosNotComputed.Count > 0)
        {
            sb.AppendLine().AppendLine(inv, $"Not computed with these modes: {string.Join("; ", RatiosNotComputed)}.");
        }

        foreach (var (mode, lines) in ShadowReports)
        {
            sb.AppendLine().AppendLine(inv, $"## {mode}: its own comparison report").AppendLine();
            foreach (var line in lines)
            {
                sb.AppendLine(inv, $"- {line}");
            }
        }

        return sb.ToString();
    }

    private void AppendCosts(StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("## API-server cost, watch streams and revocation latency per mode").AppendLine();
        sb.AppendLine("| mode | API requests / 1k verifications (load) | TokenReviews / 1k (load) | start-up requests | agreement pass: TokenReviews / all requests | watch streams per replica | index synced after | revocation: leeway end → first rejection | rejected by |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var c in Costs)
        {
            var streams = c.WatchStreamsOpen is { } open ? open.ToString(inv) : c.WatchRequests > 0 ? $"{c.WatchRequests} opened" : "n/a";
            var synced = c.WatchSyncSeconds is { } s ? $"{s.ToString("0.###", inv)} s" : "—";
            var revocation = c.Revocation switch
            {
                null => "—",
                { LatencyMilliseconds: { } ms } => $"{ms.ToString("0.##", inv)} ms",
                { Problem: var problem } => problem ?? "—",
            };
            var decidedBy = c.Revocation is { Reason: { } reason } r ? $"{r.DecidedBy} ({reason}, after {r.Verifications} verification{(r.Verifications == 1 ? "" : "s")})" : "—";
            sb.AppendLine(inv, $"| {c.Mode} | {c.ApiRequestsPerThousand:0.##} | {c.TokenReviewsPerThousand:0.##} | {c.StartupApiRequests} | {c.AgreementPassTokenReviews} / {c.AgreementPassApiRequests} | {streams} | {synced} | {revocation} | {decidedBy} |");
        }

        sb.AppendLine().AppendLine("Load: both concurrency levels together; every request the verifier's API-server client sent (TokenReviews, key fetches, lists, watches). " +
            "Start-up: from the host's start until ready (keys) and, for watch, until every stream had listed. Watch streams per replica: the streams the API server " +
            "held open for this one verifier after the load (one per watched kind: pods, service accounts, secrets, nodes). Revocation: a pod is deleted (30 s grace), " +
            "the shared clock moves to 0.1 s before deletionTimestamp + 60 s and the token is accepted once more (a caching mode's worst case), then past it; the " +
            "latency is real time to the first rejection, verifying every 2 ms. Offline modes (—) accept the token until it expires, by design.").AppendLine();
    }
}

internal enum AgreementStatus
{
    Agree,
    Expected,
    Unexpected,
}

internal sealed record AgreementCell(string Mode, int Agreed, int Disagreed, AgreementStatus Status, string? Expected, string Reasons);

internal sealed record AgreementRow(string Category, int Tokens, int ReferenceAccepted, string? ReferenceError, List<AgreementCell> Cells);

/// <param name="Met">Whether the target was met; null for a ratio without a target.</param>
internal sealed record RatioRow(string Name, double Value, string Target, bool? Met);

