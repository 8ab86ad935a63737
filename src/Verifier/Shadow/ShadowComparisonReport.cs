namespace Verifier.Shadow;

/// <summary>
/// A point-in-time snapshot of shadow mode's comparisons since start: counts per (primary reason, secondary reason)
/// pair and totals. Obtain it from <see cref="IShadowComparisonReporter"/>. All zero when shadow mode is off.
/// </summary>
public sealed class ShadowComparisonReport
{
    internal ShadowComparisonReport(
        VerificationMode primary,
        VerificationMode secondary,
        DateTimeOffset since,
        IReadOnlyList<ShadowComparisonCount> pairs,
        long skipped,
        long failed,
        long identityMismatches)
    {
        Primary = primary;
        Secondary = secondary;
        Since = since;
        Pairs = pairs;
        Skipped = skipped;
        Failed = failed;
        IdentityMismatches = identityMismatches;
        foreach (var pair in pairs)
        {
            Compared += pair.Count;
            switch (pair.Outcome)
            {
                case ShadowComparisonOutcome.Agreed:
                    Agreed += pair.Count;
                    break;
                case ShadowComparisonOutcome.Disagreed:
                    Disagreed += pair.Count;
                    break;
                default:
                    Inconclusive += pair.Count;
                    break;
            }
        }
    }

    /// <summary>The mode whose verdicts were returned.</summary>
    public VerificationMode Primary { get; }

    /// <summary>The mode run for comparison.</summary>
    public VerificationMode Secondary { get; }

    /// <summary>When counting started.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>Every pair seen at least once, most frequent first.</summary>
    public IReadOnlyList<ShadowComparisonCount> Pairs { get; }

    /// <summary>Tokens verified by both modes.</summary>
    public long Compared { get; }

    public long Agreed { get; }

    public long Disagreed { get; }

    public long Inconclusive { get; }

    /// <summary>Sampled tokens not compared because <see cref="ShadowOptions.MaxConcurrency"/> comparisons were already running.</summary>
    public long Skipped { get; }

    /// <summary>Comparisons that failed with an exception (a bug; logged).</summary>
    public long Failed { get; }

    /// <summary>Both modes accepted but named a different identity (username, uid, pod or node): a bug in one of them.</summary>
    public long IdentityMismatches { get; }

    /// <summary>How many tokens got <paramref name="primary"/> and <paramref name="secondary"/>.</summary>
    public long CountOf(VerificationFailureReason primary, VerificationFailureReason secondary)
    {
        foreach (var pair in Pairs)
        {
            if (pair.Primary == primary && pair.Secondary == secondary)
            {
                return pair.Count;
            }
        }

        return 0;
    }

    public override string ToString() =>
        $"{Primary} vs {Secondary}: {Compared} compared, {Agreed} agreed, {Disagreed} disagreed, {Inconclusive} inconclusive, {Skipped} skipped";
}
