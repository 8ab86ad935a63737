namespace Verifier.Shadow;

/// <summary>
/// Picks exactly <c>rate</c> of the calls, evenly spread: call n is sampled when ⌊n·rate⌋ steps up. One interlocked
/// increment per call, deterministic (tests can count on it), and no per-thread random state.
/// </summary>
internal sealed class ShadowSampler
{
    private readonly double _rate;
    private long _calls;

    /// <summary><paramref name="rate"/> is clamped to [0, 1].</summary>
    public ShadowSampler(double rate) => _rate = double.IsNaN(rate) ? 0 : Math.Clamp(rate, 0, 1);

    public bool ShouldSample()
    {
        if (_rate >= 1)
        {
            return true;
        }

        if (_rate <= 0)
        {
            return false;
        }

        var n = Interlocked.Increment(ref _calls);
        return (long)(n * _rate) != (long)((n - 1) * _rate);
    }
}
