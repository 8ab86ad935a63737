using System.Globalization;

namespace Bench.Fleet;

/// <summary><c>Bench fleet</c>: see <see cref="FleetOptions.Usage"/>.</summary>
internal static class FleetCommand
{
    public const int Done = 0;
    public const int CountsDiffer = 1;
    public const int Usage = 2;
    public const int NotReady = 3;
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = FleetOptions.Parse(args, out var problem, out var help);
        if (options is null)
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return Usage;
        }

        if (help)
        {
            await output.WriteLineAsync(FleetOptions.Usage).ConfigureAwait(false);
            return Done;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            var started = DateTimeOffset.UtcNow;
            var result = await FleetRun.RunAsync(options, error, cancel.Token).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"fleet run {started:yyyy-MM-dd HH:mm} UTC, {(DateTimeOffset.UtcNow - started).TotalSeconds:0} s; {Environment.ProcessorCount} cores; load average at the end: {LoadAverage()}")).ConfigureAwait(false);
            result.Write(output);
            return result.CountsAgree ? Done : CountsDiffer;
        }
        catch (FleetRunException ex)
        {
            await error.WriteLineAsync("fleet: " + ex.Message).ConfigureAwait(false);
            return NotReady;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await error.WriteLineAsync("fleet: interrupted").ConfigureAwait(false);
            return Interrupted;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} {parts[1]} {parts[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
