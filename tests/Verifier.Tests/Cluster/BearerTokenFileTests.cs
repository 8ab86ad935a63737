using NUnit.Framework;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Verifier.Cluster;
using Verifier.Testing;

namespace Verifier.Tests.Cluster;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class BearerTokenFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Test]
    public void GetToken_FileRotated_OldTokenUntilIntervalThenNew()
    {
        var path = _dir.Write("token", "first\n");
        var file = new BearerTokenFile(path, TimeSpan.FromMinutes(1), _time, NullLogger.Instance);

        var before = file.GetToken();
        File.WriteAllText(path, "second");
        _time.Advance(TimeSpan.FromSeconds(59));
        var withinInterval = file.GetToken();
        _time.Advance(TimeSpan.FromSeconds(1));
        var afterInterval = file.GetToken();

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo("first"), "trailing whitespace trimmed");
            Assert.That(withinInterval, Is.EqualTo("first"), "not re-read within the interval");
            Assert.That(afterInterval, Is.EqualTo("second"));
        });
    }

    [Test]
    public void GetToken_FileVanishes_KeepsLastTokenAndLogs()
    {
        var path = _dir.Write("token", "first");
        var logs = new FakeLogger();
        var file = new BearerTokenFile(path, TimeSpan.FromMinutes(1), _time, logs);
        file.GetToken();

        File.Delete(path);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Multiple(() =>
        {
            Assert.That(file.GetToken(), Is.EqualTo("first"));
            Assert.That(logs.Collector.GetSnapshot(), Has.Some.Matches<FakeLogRecord>(e => e!.Id.Id == 1402 && e.Message.Contains(path, StringComparison.Ordinal)));
            Assert.That(logs.Collector.GetSnapshot(), Has.None.Matches<FakeLogRecord>(e => e!.Message.Contains("first", StringComparison.Ordinal)), "never logs the token");
        });
    }

    [Test]
    public void GetToken_NeverReadable_NullUntilFileAppears()
    {
        var path = Path.Combine(_dir.Path, "token");
        var file = new BearerTokenFile(path, TimeSpan.FromMinutes(1), _time, NullLogger.Instance);

        var missing = file.GetToken();
        File.WriteAllText(path, "late");

        Assert.Multiple(() =>
        {
            Assert.That(missing, Is.Null);
            Assert.That(file.GetToken(), Is.EqualTo("late"), "with no token at all the file is tried on every request");
        });
    }
}
