using System.Diagnostics;

namespace Bench.Compare;

/// <summary>
/// Status output on stderr while the run works: a self-overwriting line on a terminal, plus a permanent line per
/// finished step (<see cref="Done"/>); when stderr is redirected only the permanent lines. Disabled
/// (<c>--no-progress</c>), it prints nothing at all: the report and errors are then the only output.
/// </summary>
internal sealed class ProgressLine(bool enabled)
{
    private readonly Lock _lock = new();
    private readonly bool _interactive = enabled && !Console.IsErrorRedirected;
    private long _lastWrite;

    public void Report(string what, long done, long total)
    {
        if (!_interactive)
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

    /// <summary>Ends the current status with a permanent line (stderr), unless progress output is off.</summary>
    public void Done(string message)
    {
        if (!enabled)
        {
            return;
        }

        lock (_lock)
        {
            Console.Error.WriteLine(_interactive ? "\r" + message.PadRight(78) : message);
        }
    }
}
