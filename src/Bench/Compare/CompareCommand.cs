using System.Diagnostics;
using System.Text.Json;

namespace Bench.Compare;

/// <summary>Parses arguments, picks the target, runs, prints and writes the report. Exit code 0 only when every disagreement is explained.</summary>
internal static class CompareCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(CompareOptions.Usage);
            return 0;
        }

        CompareOptions options;
        try
        {
            options = CompareOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(CompareOptions.Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var started = Stopwatch.GetTimestamp();
        var progress = new ProgressLine(options.Progress);
        await using ICompareTarget target = options.UsesRealCluster ? new ClusterTarget(options) : new EmbeddedTarget();
        var report = await CompareRun.RunAsync(options, target, ModeConfiguration.All.Where(m => options.Modes is null || options.Modes.Contains(m.Name)).ToList(), progress, cancel.Token).ConfigureAwait(false);
        report.ElapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1);

        var markdown = report.ToMarkdown();
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (options.MarkdownOut is { } md)
        {
            await File.WriteAllTextAsync(md, markdown, cancel.Token).ConfigureAwait(false);
        }

        if (options.JsonOut is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, CompareJsonContext.Default.CompareReport), cancel.Token).ConfigureAwait(false);
        }

        return report.UnexplainedDisagreements == 0 ? 0 : 1;
    }
}
