using System.Diagnostics;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.TestKit;

/// <summary>
/// The one way a test waits: for a condition that another thread (a file watcher, a renewal, a host starting, a
/// worker parking on the manual clock) makes true, within a bounded time. Tests never sleep a fixed time and hope.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <param name="condition">Polled every 10 ms.</param>
    /// <param name="what">Names what was awaited in the failure.</param>
    /// <param name="limit">Real time allowed; default <see cref="Limit"/>.</param>
    public static Task WaitUntil(Func<bool> condition, string what, TimeSpan? limit = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, limit);

    /// <summary>As <see cref="WaitUntil"/> for a condition that has to be awaited (an HTTP probe, a file read).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null) =>
        await ValueAsync(async _ => await condition().ConfigureAwait(false), ok => ok, what, limit).ConfigureAwait(false);

    /// <summary>
    /// Reads a value until <paramref name="accept"/> takes it and returns that value; fails naming
    /// <paramref name="what"/> and the last value read when the bound passes first.
    /// </summary>
    /// <param name="read">Gets the token that is cancelled when the bound passes, so a hanging read cannot outlive it.</param>
    public static async Task<T> ValueAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, bool> accept, string what, TimeSpan? limit = null)
    {
        var bound = limit ?? Limit;
        using var cts = new CancellationTokenSource(bound);
        var clock = Stopwatch.StartNew();
        T last;
        while (true)
        {
            try
            {
                last = await read(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                Assert.Fail($"{what}: not within {bound} (the last read did not finish)");
                throw;
            }

            if (accept(last))
            {
                return last;
            }

            if (clock.Elapsed > bound)
            {
                Assert.Fail($"{what}: not within {bound}; last seen: {last}");
            }

            await Task.Delay(PollInterval, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Fails if <paramref name="condition"/> becomes true within <paramref name="within"/>; polls it throughout.
    /// </summary>
    /// <remarks>
    /// A negative ("this does not happen") can only be observed for a bounded time, so this check can pass when the
    /// code is wrong but slow; it can never fail when the code is right, so it is never flaky. Use it only where the
    /// thing that must not happen would follow promptly (a continuation already unblocked, a timer that already fired
    /// on the manual clock), keep <paramref name="within"/> short, and prefer a positive assertion on state (such as
    /// <see cref="ManualTimeProvider.NextTimerDue"/>) where one exists; this check then backs it up.
    /// </remarks>
    public static async Task StaysFalse(Func<bool> condition, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (condition())
            {
                Assert.Fail($"{what}: happened after {clock.Elapsed.TotalMilliseconds:0} ms, expected not within {within}");
            }

            await Task.Delay(PollInterval, CancellationToken.None).ConfigureAwait(false);
        }
        while (clock.Elapsed < within);

        Assert.That(condition(), Is.False, what);
    }

    /// <summary>
    /// Advances <paramref name="time"/> by <paramref name="due"/> once the earliest scheduled timer is due exactly that
    /// long from now: once the code under test, on another thread, has created the timer the advance is meant to fire.
    /// Advancing earlier is a race: a timer created after the advance is due a full <paramref name="due"/> later, on a
    /// clock nobody moves again. Needs the clock not to have moved since the timer was created.
    /// </summary>
    public static async Task AdvanceWhenScheduled(ManualTimeProvider time, TimeSpan due, string what)
    {
        await WaitUntil(() => time.NextTimerDue == time.GetUtcNow() + due, what);
        time.Advance(due);
    }

    /// <summary>
    /// Advances <paramref name="time"/> by <paramref name="step"/> whenever the code under test waits on it (a retry
    /// delay), until <paramref name="task"/> ends, and returns its result.
    /// </summary>
    public static async Task<T> PumpUntilDone<T>(ManualTimeProvider time, Task<T> task, TimeSpan step, string what)
    {
        await WaitUntilPumping(time, step, () => task.IsCompleted, what).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="WaitUntil"/>, advancing <paramref name="time"/> by <paramref name="step"/> at each poll while the
    /// code under test has a timer on it (a reconnect backoff, a retry delay) and <paramref name="condition"/> is false.
    /// </summary>
    public static Task WaitUntilPumping(ManualTimeProvider time, TimeSpan step, Func<bool> condition, string what) =>
        WaitUntil(
            () =>
            {
                if (condition())
                {
                    return true;
                }

                if (time.ActiveTimerCount > 0)
                {
                    time.Advance(step);
                }

                return false;
            },
            what);
}
