using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests;

/// <summary>Awaits a condition that another thread (a file watcher, a renewal) makes true, within a bounded time.</summary>
public static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    /// <param name="condition">Polled every 10 ms.</param>
    /// <param name="what">Names what was awaited in the failure.</param>
    /// <param name="limit">Real time allowed; default <see cref="Limit"/>.</param>
    public static async Task WaitUntil(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var bound = limit ?? Limit;
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not within {bound}");
            }

            await Task.Delay(10);
        }
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
}
