using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>
/// Parses arguments, checks what can be checked before the run, picks the target, runs, prints and writes the report.
/// Only verdicts decide the exit code between 0 and 1 (<see cref="CompareExitCode"/>); a mistake is one line on
/// stderr naming the option and how to fix it, with its own exit code, never a stack trace.
/// </summary>
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
            return Fail(CompareExitCode.Usage, e.Message + " (see --help)");
        }

        if (ComparePreflight.CheckFiles(options) is { } fileProblem)
        {
            return Fail(fileProblem.ExitCode, fileProblem.Message);
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var started = Stopwatch.GetTimestamp();
        var progress = new ProgressLine(options.Progress);
        progress.Done(options.UsesRealCluster
            ? $"compare: checking the cluster ({(options.InCluster ? "in-cluster" : options.Kubeconfig)}), then minting tokens in namespace {options.Namespace}"
            : "compare: starting an embedded LocalApiServer on 127.0.0.1; the default run takes about a minute (--help for options)");
        try
        {
            ICompareTarget target;
            if (options.UsesRealCluster)
            {
                ClusterTarget cluster;
                try
                {
                    cluster = new ClusterTarget(options);
                }
                catch (Exception e) when (e is ClusterConfigurationException or OptionsValidationException)
                {
                    return Fail(CompareExitCode.ClusterConfiguration, $"{(options.InCluster ? "--in-cluster" : "--kubeconfig " + options.Kubeconfig)}: {OneLine(e)}");
                }

                if (await ComparePreflight.CheckClusterAsync(options, cluster, cancel.Token).ConfigureAwait(false) is { } clusterProblem)
                {
                    await cluster.DisposeAsync().ConfigureAwait(false);
                    return Fail(clusterProblem.ExitCode, clusterProblem.Message);
                }

                target = cluster;
            }
            else
            {
                target = new EmbeddedTarget();
            }

            CompareReport report;
            await using (target.ConfigureAwait(false))
            {
                report = await CompareRun.RunAsync(options, target, ModeConfiguration.All.Where(m => options.Modes is null || options.Modes.Contains(m.Name)).ToList(), progress, cancel.Token).ConfigureAwait(false);
            }

            report.ElapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1);
            var markdown = report.ToMarkdown();
            Console.WriteLine();
            Console.WriteLine(markdown);
            foreach (var (option, path, content) in new[]
            {
                ("--out", options.MarkdownOut, markdown),
                ("--json", options.JsonOut, options.JsonOut is null ? "" : JsonSerializer.Serialize(report, CompareJsonContext.Default.CompareReport)),
            })
            {
                if (path is null)
                {
                    continue;
                }

                try
                {
                    await File.WriteAllTextAsync(path, content, cancel.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Checked before the run; still possible if the directory went away meanwhile.
                    return Fail(CompareExitCode.OutputNotWritable, $"{option} {path}: {OneLine(e)}");
                }

                Console.Error.WriteLine($"wrote {Path.GetFullPath(path)}");
            }

            return report.ExitCode;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Fail(CompareExitCode.Interrupted, "compare: interrupted");
        }
        catch (KubernetesApiException e)
        {
            // A request the run needs was refused mid-way (RBAC, quota, admission): the API server's own message says which.
            return Fail(CompareExitCode.ApiServer, $"compare: the API server refused a request the run needs: {OneLine(e)}" +
                (e.Error.IsCredentialRejected ? " (grant the run's credential create on serviceaccounts, serviceaccounts/token, pods and tokenreviews in --namespace, or drop --allow-writes)" : ""));
        }
    }

    private static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine(message);
        return exitCode;
    }

    private static string OneLine(Exception e) => e is OptionsValidationException v ? string.Join(" ", v.Failures) : e.Message.ReplaceLineEndings(" ");
}
