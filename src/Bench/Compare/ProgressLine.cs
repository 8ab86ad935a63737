using System.Diagnostics;

namespace Bench.Compare;

/// <summary>One self-overwriting status line on stderr while the run works (off when output is redirected).</summary>
internal sealed class ProgressLine(bool enabled)
{
    private readonly Lock _lock = new();
    private long _lastWrite;

    public void Report(string what, long done, long total)
    {
        if (!enabled)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (done < total && Stopwatch.GetElapsedTime(_lastWrite, now) < TimeSpan.FromMilliseconds(100))
            {
                return;
            }

            _lastWrite = now;
            var line = total > 1 ? $"  {what}: {done}/{total}" : $"  {what}";
            Console.Error.Write("\r" + line.PadRight(78)[..78]);
        }
    }

    /// <summary>Ends the current status with a permanent line (always printed, to stderr).</summary>
    public void Done(string message)
    {
        lock (_lock)
        {
            Console.Error.WriteLine(enabled ? "\r" + message.PadRight(78) : message);
        }
    }
}
