namespace Bench.Compare;

/// <summary>
/// Real time plus an offset that only grows. The embedded API server and every verifier share one, so the run can
/// jump past token expiry and the pod-deletion grace without waiting, while timers and timeouts keep real durations.
/// </summary>
internal sealed class ShiftableTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, delta.Ticks);
    }
}
