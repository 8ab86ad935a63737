using System.Diagnostics;

namespace Bench.Compare;

/// <summary>The compare run's bounded waits on a verifier's status (no event to await: its status is polled).</summary>
internal static class Polling
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> until it holds (true) or <paramref name="limit"/> of real time passes (false).</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan limit, TimeSpan interval, CancellationToken ct)
    {
        var until = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                return false;
            }

            await Task.Delay(interval, ct).ConfigureAwait(false);
        }

        return true;
    }
}
