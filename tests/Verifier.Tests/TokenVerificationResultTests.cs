using NUnit.Framework;

namespace Verifier.Tests;

public sealed class TokenVerificationResultTests
{
    private static readonly ServiceAccountIdentity Identity = new("team-a", "sa-0") { ServiceAccountUid = "uid-1", PodName = "pod-0", PodUid = "pod-uid" };

    [Test]
    public void WithMode_OtherMode_RelabelsOnceAndReusesTheCopy()
    {
        var local = TokenVerificationResult.Success(Identity);

        var first = local.WithMode(VerificationMode.Hybrid);
        var second = local.WithMode(VerificationMode.Hybrid);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Not.SameAs(local));
            Assert.That(first.Mode, Is.EqualTo(VerificationMode.Hybrid));
            Assert.That(first.Identity, Is.SameAs(Identity));
            Assert.That(second, Is.SameAs(first), "a cached verdict is relabelled once, not on every hit");
            Assert.That(local.Mode, Is.EqualTo(VerificationMode.Local), "the shared original is unchanged");
        });
    }

    [Test]
    public void WithMode_AlternatingModes_EachCopyCarriesItsMode()
    {
        var local = TokenVerificationResult.Failure(VerificationFailureReason.Expired, "expired");

        var hybrid = local.WithMode(VerificationMode.Hybrid);
        var shadow = local.WithMode(VerificationMode.Shadow);
        var hybridAgain = local.WithMode(VerificationMode.Hybrid);

        Assert.Multiple(() =>
        {
            Assert.That(local.WithMode(VerificationMode.Local), Is.SameAs(local));
            Assert.That(hybrid.Mode, Is.EqualTo(VerificationMode.Hybrid));
            Assert.That(shadow.Mode, Is.EqualTo(VerificationMode.Shadow));
            Assert.That(hybridAgain.Mode, Is.EqualTo(VerificationMode.Hybrid));
            Assert.That((hybridAgain.Reason, hybridAgain.Message), Is.EqualTo((VerificationFailureReason.Expired, "expired")));
        });
    }
}
