namespace Bench.Compare;

/// <summary>
/// The compare run: mint a corpus, get TokenReview's verdict on every token (the reference), put the corpus
/// through every mode, measure throughput and latency, and report agreement and speed side by side.
/// </summary>
internal static class CompareRun
{
    /// <summary>The audience of the project's example (token-server computes factors).</summary>
    public const string Audience = "factors";

    public static async Task<CompareReport> RunAsync(CompareOptions options, ICompareTarget target, IReadOnlyList<ModeConfiguration> modes, ProgressLine progress, CancellationToken ct)
    {
        var corpus = await target.PrepareAsync(options, progress, ct).ConfigureAwait(false);

        var reference = new ReferenceVerdict[corpus.Tokens.Count];
        var reviewed = 0;
        await Parallel.ForAsync(0, corpus.Tokens.Count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            reference[i] = await target.ReviewAsync(corpus.Tokens[i].Token, token).ConfigureAwait(false);
            progress.Report("reference TokenReview of every token", Interlocked.Increment(ref reviewed), corpus.Tokens.Count);
        }).ConfigureAwait(false);
        progress.Done($"reference: {reference.Count(r => r.Authenticated)} of {reference.Length} tokens authenticated by TokenReview");

        var results = new List<ModeResult>(modes.Count);
        foreach (var mode in modes)
        {
            results.Add(await ModeRunner.RunAsync(mode, target, corpus, options, progress, ct).ConfigureAwait(false));
        }

        var floor = new List<Measurement>();
        foreach (var callers in new[] { 1, options.Concurrency })
        {
            progress.Report($"floor: no-op HTTPS request, {callers} caller(s)", 0, 1);
            floor.Add(await LoadRunner.MeasureAsync("https-noop-floor", async _ =>
            {
                await target.FloorRequestAsync(ct).ConfigureAwait(false);
                return true;
            }, callers, options.Duration, options.Rounds, static () => 0, ct, () => target.ServerConnectionsOpened).ConfigureAwait(false));
        }

        progress.Done("floor measured");
        return CompareReport.Build(options, target, corpus, reference, results, floor);
    }
}
