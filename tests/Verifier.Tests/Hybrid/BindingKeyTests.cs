using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.Hybrid;

public sealed class BindingKeyTests
{
    private ReviewTestContext _context = null!;

    private TokenHasher Hasher => _context.Hasher;

    [SetUp]
    public void SetUp() => _context = new ReviewTestContext();

    [TearDown]
    public void TearDown() => _context.Dispose();

    [Test]
    public void For_PodBoundTokenWithNodeClaims_KeyedByPod()
    {
        var key = BindingKey.For(FakeVerifier.Identity(podUid: "p1"), "t", Hasher);
        Assert.That(key, Is.EqualTo(new BindingKey(BindingKind.Pod, "sa-uid", "p1")));
    }

    [Test]
    public void For_TwoTokensOfOnePod_SameKey() =>
        Assert.That(BindingKey.For(FakeVerifier.Identity(jti: "a"), "t1", Hasher), Is.EqualTo(BindingKey.For(FakeVerifier.Identity(jti: "b"), "t2", Hasher)));

    [Test]
    public void For_RecreatedPodSameName_DifferentKey() =>
        Assert.That(BindingKey.For(FakeVerifier.Identity(podUid: "old"), "t", Hasher), Is.Not.EqualTo(BindingKey.For(FakeVerifier.Identity(podUid: "new"), "t", Hasher)));

    [Test]
    public void For_SecretBound_KeyedBySecret() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", SecretName = "s", SecretUid = "s1" }, "t", Hasher),
            Is.EqualTo(new BindingKey(BindingKind.Secret, "sa-uid", "s1")));

    [Test]
    public void For_NodeBound_KeyedByNode() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", NodeName = "n", NodeUid = "n1" }, "t", Hasher),
            Is.EqualTo(new BindingKey(BindingKind.Node, "sa-uid", "n1")));

    [Test]
    public void For_Unbound_KeyedByServiceAccount() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid" }, "t", Hasher),
            Is.EqualTo(new BindingKey(BindingKind.ServiceAccount, "sa-uid", null)));

    [TestCase(null, "web-0", "p1")]
    [TestCase("sa-uid", "web-0", null)]
    public void For_IncompleteClaims_PerToken(string? saUid, string? podName, string? podUid)
    {
        var identity = FakeVerifier.Identity(saUid: saUid, podName: podName, podUid: podUid);
        var a = BindingKey.For(identity, "t1", Hasher);
        var b = BindingKey.For(identity, "t2", Hasher);
        Assert.Multiple(() =>
        {
            Assert.That(a.Kind, Is.EqualTo(BindingKind.Token));
            Assert.That(a, Is.Not.EqualTo(b));
            Assert.That(a, Is.EqualTo(BindingKey.For(identity, "t1", Hasher)));
        });
    }

    [Test]
    public void For_LegacyToken_KeyedByTokenHash()
    {
        var identity = new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", SecretName = "sa-token-abcde", IsLegacy = true };
        var first = BindingKey.For(identity, "t1", Hasher);
        var again = BindingKey.For(identity, "t1", Hasher);
        var other = BindingKey.For(identity, "t2", Hasher);
        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(BindingKind.LegacySecret));
            Assert.That(again, Is.EqualTo(first));
            Assert.That(other, Is.Not.EqualTo(first));
        });
    }
}
