using Microsoft.Extensions.Options;

namespace Verifier.Shadow;

/// <summary>Lock-free counters behind <see cref="IShadowComparisonReporter"/>: one slot per (primary, secondary) reason pair.</summary>
internal sealed class ShadowComparisonRecorder : IShadowComparisonReporter
{
    // Reasons are small consecutive values from 0 (None); sized by the largest so a gap could never overflow.
    private static readonly int ReasonCount = (int)Enum.GetValues<VerificationFailureReason>().Max() + 1;

    private readonly long[] _pairs = new long[ReasonCount * ReasonCount];
    private readonly VerificationMode _primary;
    private readonly VerificationMode _secondary;
    private readonly DateTimeOffset _since;
    private long _skipped;
    private long _failed;
    private long _identityMismatches;

    public ShadowComparisonRecorder(IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _primary = options.Value.Shadow.Primary;
        _secondary = options.Value.Shadow.Secondary;
        _since = time.GetUtcNow();
    }

    /// <summary>Transient reasons (<see cref="VerificationFailureReasons.IsTransient"/>) make a comparison inconclusive.</summary>
    public static ShadowComparisonOutcome Classify(VerificationFailureReason primary, VerificationFailureReason secondary) =>
        primary.IsTransient() || secondary.IsTransient() ? ShadowComparisonOutcome.Inconclusive
            : (primary == VerificationFailureReason.None) == (secondary == VerificationFailureReason.None) ? ShadowComparisonOutcome.Agreed
            : ShadowComparisonOutcome.Disagreed;

    /// <summary>The <c>agreement</c> tag of <c>verifier.shadow.comparisons</c>: the same classification as the report.</summary>
    public static string AgreementTag(ShadowComparisonOutcome outcome) => outcome switch
    {
        ShadowComparisonOutcome.Agreed => "agree",
        ShadowComparisonOutcome.Disagreed => "disagree",
        _ => "inconclusive",
    };

    public void Record(VerificationFailureReason primary, VerificationFailureReason secondary) =>
        Interlocked.Increment(ref _pairs[((int)primary * ReasonCount) + (int)secondary]);

    public void Skipped() => Interlocked.Increment(ref _skipped);

    public void Failed() => Interlocked.Increment(ref _failed);

    public void IdentityMismatch() => Interlocked.Increment(ref _identityMismatches);

    public ShadowComparisonReport GetReport()
    {
        var pairs = new List<ShadowComparisonCount>();
        for (var i = 0; i < _pairs.Length; i++)
        {
            var count = Interlocked.Read(ref _pairs[i]);
            if (count > 0)
            {
                var primary = (VerificationFailureReason)(i / ReasonCount);
                var secondary = (VerificationFailureReason)(i % ReasonCount);
                pairs.Add(new ShadowComparisonCount(primary, secondary, Classify(primary, secondary), count));
            }
        }

        pairs.Sort(static (a, b) => b.Count.CompareTo(a.Count));
        return new ShadowComparisonReport(
            _primary, _secondary, _since, pairs, Interlocked.Read(ref _skipped), Interlocked.Read(ref _failed), Interlocked.Read(ref _identityMismatches));
    }
}
