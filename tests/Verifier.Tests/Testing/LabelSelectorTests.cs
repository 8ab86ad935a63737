using NUnit.Framework;
using Verifier.Testing.State;

namespace Verifier.Tests.Testing;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["example.com/shard"] = "3" };

    [TestCase("", true)]
    [TestCase("app=web", true)]
    [TestCase("app==web", true)]
    [TestCase("app=db", false)]
    [TestCase("app!=db", true)]
    [TestCase("app!=web", false)]
    [TestCase("missing!=x", true)]
    [TestCase("app in (db, web)", true)]
    [TestCase("app in (db)", false)]
    [TestCase("app notin (db,cache)", true)]
    [TestCase("app notin (web)", false)]
    [TestCase("missing notin (web)", true)]
    [TestCase("app", true)]
    [TestCase("missing", false)]
    [TestCase("!missing", true)]
    [TestCase("!app", false)]
    [TestCase("app=web,tier=front", true)]
    [TestCase("app=web,tier=back", false)]
    [TestCase("example.com/shard>2", true)]
    [TestCase("example.com/shard<3", false)]
    [TestCase(" app = web , !missing ", true)]
    public void Matches_SelectorForms_LikeApimachinery(string selector, bool expected) =>
        Assert.That(LabelSelector.Parse(selector).Matches(Labels), Is.EqualTo(expected));

    [Test]
    public void Matches_NoLabels_OnlyNegativeRequirementsHold()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LabelSelector.Parse("a!=b,!c,d notin (e)").Matches(null), Is.True);
            Assert.That(LabelSelector.Parse("a").Matches(null), Is.False);
        });
    }

    [TestCase("app in web", "unable to parse requirement: found 'web', expected: '('")]
    [TestCase("app=web,", "found 'end of string', expected: identifier after ','")]
    [TestCase("app>x", "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")]
    [TestCase("-app=web", "unable to parse requirement: invalid label key \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")]
    [TestCase("a=b c", "found 'c', expected: ',' or 'end of string'")]
    public void Parse_Malformed_FormatExceptionWithTheReason(string selector, string expected) =>
        Assert.That(() => LabelSelector.Parse(selector), Throws.TypeOf<FormatException>().With.Message.EqualTo(expected));
}
