using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Tests.CommandLine;
using Verifier.Tests.Deploy;

namespace Verifier.Tests.Bench;

/// <summary>
/// src/Bench/e2e.sh (issue 16) with one-second runs over a small corpus: it runs, measures every build with both
/// corpora without a failed request, prints every target, and leaves no process behind. Not the speed. wrk is
/// installed by the script (or by .ci/run); where it cannot be, the script exits 3 and this test fails, it does not pass.
/// </summary>
public sealed partial class E2eScriptTests
{
    private static readonly string[] Builds = ["(a) none", "(b) local", "(c) hybrid", "(d) jwtbearer", "(e) handwritten TokenReview", "(e') tokenreview"];

    [Test]
    public async Task Script_TinyDurations_MeasuresEveryBuildAndCorpusAndStopsItsProcesses()
    {
        var temp = Directory.CreateTempSubdirectory("e2e-test-").FullName;
        try
        {
            var result = await RunScriptAsync(new Dictionary<string, string?>
            {
                ["E2E_BENCH_DLL"] = Executables.Bench,
                ["E2E_DURATION"] = "1",
                ["E2E_WARMUP"] = "0",
                ["E2E_ROUNDS"] = "1",
                ["E2E_TOKENS"] = "20",
                ["E2E_PODS"] = "10",
                ["E2E_CONNECTIONS"] = "4",
                ["TMPDIR"] = temp,
            }, TimeSpan.FromMinutes(4));

            await TestContext.Out.WriteLineAsync(result.ToString());
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            var rows = result.Stdout.Split('\n').Where(l => l.StartsWith("| (", StringComparison.Ordinal)).ToList();
            Assert.Multiple(() =>
            {
                foreach (var build in Builds)
                {
                    foreach (var corpus in new[] { "many", "one" })
                    {
                        var row = rows.SingleOrDefault(r => r.StartsWith($"| {build} | {corpus} | ", StringComparison.Ordinal));
                        Assert.That(row, Is.Not.Null, $"{build} / {corpus} row");
                        Assert.That(row, Does.Match(@"^\| [^|]+ \| \w+ \| \d+ \[\d+-\d+\] \|"), "a measured req/s without failed requests");
                    }
                }

                // The verifier builds report their cache, the hand-written TokenReview asks the API server per request.
                Assert.That(Cell(rows, "(b) local", "many", 9), Does.EndWith("%"));
                Assert.That(Cell(rows, "(e') tokenreview", "many", 9), Does.EndWith("%"));
                Assert.That(double.Parse(Cell(rows, "(e) handwritten TokenReview", "many", 10), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
                Assert.That(TargetLine().Matches(result.Stdout), Has.Count.EqualTo(6), "every target with its measured ratio");

                // Every process it started is gone (they all ran with its work directory, under TMPDIR, on their command line).
                Assert.That(ProcessesMentioning(temp), Is.Empty, "processes left running");
                Assert.That(Directory.GetDirectories(temp, "e2e.*"), Is.Empty, "work directory removed");
            });
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [TestCase("E2E_ROUNDS", "0")]
    [TestCase("E2E_DURATION", "ten")]
    [TestCase("E2E_BUILDS", "local nonsense")]
    public async Task Script_BadSetting_OneLineAndExitTwo(string name, string value)
    {
        var result = await RunScriptAsync(new Dictionary<string, string?> { [name] = value, ["E2E_BENCH_DLL"] = "/nonexistent" }, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.StderrLines, Has.Count.EqualTo(1).And.One.StartsWith("e2e.sh: " + name));
        });
    }

    private static string Cell(List<string> rows, string build, string corpus, int index) =>
        rows.Single(r => r.StartsWith($"| {build} | {corpus} | ", StringComparison.Ordinal)).Split('|')[index + 1].Trim();

    private static Task<ProcessResult> RunScriptAsync(Dictionary<string, string?> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "src", "Bench", "e2e.sh"));
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return ProcessResult.RunAsync(info, timeout);
    }

    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                {
                    found.Add(commandLine);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    [GeneratedRegex(@"^- .+: \d+\.\d\dx -> (yes|no)$", RegexOptions.Multiline)]
    private static partial Regex TargetLine();
}
