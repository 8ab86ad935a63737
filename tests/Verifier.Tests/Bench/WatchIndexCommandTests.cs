using Bench.WatchIndex;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>
/// <c>Bench watch-index</c> in miniature (a few hundred objects, one round), so the benchmark behind benchmarks.md's
/// index figures keeps running; its times are not asserted.
/// </summary>
public sealed class WatchIndexCommandTests
{
    [Test]
    public async Task RunAsync_SmallCluster_ListsEveryObjectAndPrintsTheTable()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await WatchIndexCommand.RunAsync(["--pods", "300", "--service-accounts", "30", "--namespaces", "3", "--rounds", "1", "--page-size", "100"], output, error)
            .WaitAsync(TimeSpan.FromMinutes(2));

        var text = output.ToString();
        var row = text.Split('\n').Single(l => l.StartsWith("| 1 |", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, error.ToString());
            Assert.That(text, Does.Contain("300 pods, 30 service accounts in 3 namespaces").And.Contain("| median (by time) |"));

            // 300 pods, 30 accounts, 3 nodes, plus each namespace's default account and the verifier's own.
            Assert.That(int.Parse(row[5], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture), Is.InRange(333, 345), text);
            Assert.That(int.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(6), "pages of 100: at least 3 for the pods, 1 for each other kind");
        });
    }

    [TestCase("--pods", "0")]
    [TestCase("--frobnicate", "1")]
    public async Task RunAsync_BadArgument_Exit2NamingIt(string option, string value)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await WatchIndexCommand.RunAsync([option, value], output, error);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(error.ToString(), Does.Contain(option));
        });
    }
}
