using NUnit.Framework;
using Verifier.Testing.Server;

namespace Verifier.Tests.Testing;

public sealed class PodTableTests
{
    [TestCase(0, "0s")]
    [TestCase(119, "119s")]
    [TestCase(120, "2m")]
    [TestCase(125, "2m5s")]
    [TestCase(600, "10m")]
    [TestCase(3 * 3600, "3h")]
    [TestCase(3 * 3600 + 60, "3h1m")]
    [TestCase(8 * 3600, "8h")]
    [TestCase(48 * 3600, "2d")]
    [TestCase(50 * 3600, "2d2h")]
    [TestCase(10 * 86400, "10d")]
    [TestCase(3 * 365 * 86400 + 86400, "3y1d")]
    [TestCase(9 * 365 * 86400, "9y")]
    public void HumanDuration_LikeApimachinery(int seconds, string expected) =>
        Assert.That(PodTable.HumanDuration(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));
}
