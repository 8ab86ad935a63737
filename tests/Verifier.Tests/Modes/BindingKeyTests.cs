using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Modes;
using Verifier.TokenReview;

namespace Verifier.Tests.Modes;

public sealed class BindingKeyTests
{
    private readonly TokenReviewKeyHasher _hasher = new(Options.Create(new KubernetesTokenVerifierOptions { Audiences = ["api"] }));

    [Test]
    public void For_PodBoundTokenWithNodeClaims_KeyedByPod()
    {
        var key = BindingKey.For(FakeVerifier.Identity(podUid: "p1"), "t", _hasher);
        Assert.That(key, Is.EqualTo(new BindingKey(BindingKind.Pod, "sa-uid", "p1")));
    }

    [Test]
    public void For_TwoTokensOfOnePod_SameKey() =>
        Assert.That(BindingKey.For(FakeVerifier.Identity(jti: "a"), "t1", _hasher), Is.EqualTo(BindingKey.For(FakeVerifier.Identity(jti: "b"), "t2", _hasher)));

    [Test]
    public void For_RecreatedPodSameName_DifferentKey() =>
        Assert.That(BindingKey.For(FakeVerifier.Identity(podUid: "old"), "t", _hasher), Is.Not.EqualTo(BindingKey.For(FakeVerifier.Identity(podUid: "new"), "t", _hasher)));

    [Test]
    public void For_SecretBound_KeyedBySecret() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", SecretName = "s", SecretUid = "s1" }, "t", _hasher),
            Is.EqualTo(new BindingKey(BindingKind.Secret, "sa-uid", "s1")));

    [Test]
    public void For_NodeBound_KeyedByNode() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", NodeName = "n", NodeUid = "n1" }, "t", _hasher),
            Is.EqualTo(new BindingKey(BindingKind.Node, "sa-uid", "n1")));

    [Test]
    public void For_Unbound_KeyedByServiceAccount() =>
        Assert.That(
            BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid" }, "t", _hasher),
            Is.EqualTo(new BindingKey(BindingKind.ServiceAccount, "sa-uid", null)));

    [TestCase(null, "web-0", "p1")]
    [TestCase("sa-uid", "web-0", null)]
    public void For_IncompleteClaims_PerToken(string? saUid, string? podName, string? podUid)
    {
        var identity = FakeVerifier.Identity(saUid: saUid, podName: podName, podUid: podUid);
        var a = BindingKey.For(identity, "t1", _hasher);
        var b = BindingKey.For(identity, "t2", _hasher);
        Assert.Multiple(() =>
        {
            Assert.That(a.Kind, Is.EqualTo(BindingKind.Token));
            Assert.That(a, Is.Not.EqualTo(b));
            Assert.That(a, Is.EqualTo(BindingKey.For(identity, "t1", _hasher)));
        });
    }

    [Test]
    public void ToString_NeverHoldsTheTokenHash()
    {
        var key = BindingKey.For(new ServiceAccountIdentity("ns", "sa") { ServiceAccountUid = "sa-uid", IsLegacy = true }, "t", _hasher);
        Assert.That(key.ToString(), Does.Not.Contain(key.ObjectUid!));
    }
}
