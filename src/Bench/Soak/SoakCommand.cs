namespace Bench.Soak;

/// <summary><c>Bench soak</c>: see <see cref="SoakOptions.Usage"/>.</summary>
internal static class SoakCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = SoakOptions.Parse(args, out var problem, out var help);
        if (options is null)
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return 2;
        }

        if (help)
        {
            await output.WriteLineAsync(SoakOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var results = await SoakRun.RunAsync(options, TimeProvider.System, output, cancel.Token).ConfigureAwait(false);
        foreach (var result in results)
        {
            result.Write(output);
        }

        return results.Any(r => r.Exceptions > 0) ? 1 : 0;
    }
}
