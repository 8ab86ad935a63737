using Bench.Compare;
using NUnit.Framework;
using Verifier.Tests.CommandLine;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Bench;

/// <summary>
/// What the compare report says about itself: ratios for any choice of modes, verdicts vs machine-dependent figures
/// (only verdicts decide the exit code), and the command line's output contract (--no-progress, "wrote").
/// </summary>
public sealed class CompareReportTests
{
    private static readonly CompareOptions Small = new()
    {
        ValidTokens = 10,
        TokensPerCategory = 2,
        Pods = 2,
        ServiceAccounts = 1,
        Concurrency = 2,
        Duration = TimeSpan.FromMilliseconds(50),
        Rounds = 1,
        Progress = false,
        Revocation = false,
    };

    private static async Task<CompareReport> RunAsync(params string[] modes)
    {
        await using var target = new EmbeddedTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await CompareRun.RunAsync(Small, target, ModeConfiguration.All.Where(m => modes.Contains(m.Name)).ToList(), new ProgressLine(false), timeout.Token);
    }

    [Test]
    public async Task Build_LocalAndHybridOnly_RatiosThatCanBeComputedAndTheModesTheOthersNeed()
    {
        var report = await RunAsync("local", "hybrid");

        var markdown = report.ToMarkdown();
        Assert.Multiple(() =>
        {
            Assert.That(report.Ratios.Select(r => r.Name), Does.Contain("hybrid / local cached (1 caller)")
                .And.Contain("local / no-op HTTPS request (floor) (1 caller)")
                .And.Contain("hybrid / no-op HTTPS request (floor) (2 callers)"));
            Assert.That(report.RatiosNotComputed, Does.Contain("local cached / tokenreview uncached needs --modes with local and tokenreview-uncached"));
            Assert.That(markdown, Does.Contain("| hybrid / local cached (1 caller) |").And.Contain("Not computed with these modes:"));
        });
    }

    [Test]
    public async Task ExitCode_RatioTargetMissed_ReportedMachineDependentAndStillZero()
    {
        var report = await RunAsync("local");
        report.Ratios.Add(new RatioRow("local cached / tokenreview uncached (1 caller)", 12, ">= 50x", false));

        var markdown = report.ToMarkdown();
        Assert.Multiple(() =>
        {
            Assert.That(report.UnexplainedDisagreements, Is.Zero);
            Assert.That(report.MachineDependentTargetsMissed, Is.EqualTo(1));
            Assert.That(report.ExitCode, Is.Zero, "speed never decides the exit code");
            Assert.That(markdown, Does.Contain("| 12 | >= 50x | no (machine-dependent) |")
                .And.Contain("**Verdict (decides the exit code, 0):**")
                .And.Contain("1 ratio target(s) missed on this machine")
                .And.Contain("## Ratios (machine-dependent: reported, never fail the run)"));
        });
    }

    [Test]
    public async Task Main_NoProgressWithOutAndJson_OnlyTheWroteLinesOnStderr()
    {
        using var directory = new TempDirectory();
        var md = Path.Combine(directory.Path, "r.md");
        var json = Path.Combine(directory.Path, "r.json");

        var result = await Executables.RunAsync(Executables.Bench,
            ["--valid-tokens", "10", "--per-category", "2", "--pods", "2", "--service-accounts", "1", "--duration", "0.05", "--rounds", "1",
             "--modes", "local", "--no-progress", "--out", md, "--json", json], TimeSpan.FromMinutes(2));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.StderrLines, Is.EqualTo(new[] { "wrote " + md, "wrote " + json }), result.ToString());
            Assert.That(File.ReadAllText(md), Does.StartWith("# Compare: local verification vs TokenReview"));
            Assert.That(result.Stdout, Does.Contain("## Ratios"));
        });
    }
}
