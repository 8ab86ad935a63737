using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.TestKit;

/// <summary>The offline verdict against LocalApiServer's TokenReview of the same token: the agreement tests' one check.</summary>
internal static class AgreementAssert
{
    /// <summary>
    /// Both accept or both refuse (<paramref name="accepted"/>), the offline reason is <paramref name="reason"/>, and an
    /// accepted token has the same user (name, uid, groups, extra) and audiences in both.
    /// </summary>
    public static void SameVerdict(TokenVerificationResult core, TokenReviewStatus review, bool accepted, VerificationFailureReason reason)
    {
        Assert.Multiple(() =>
        {
            Assert.That(core.Succeeded, Is.EqualTo(accepted), core.ToString());
            Assert.That(review.Authenticated, Is.EqualTo(accepted), review.Error);
            Assert.That(core.Reason, Is.EqualTo(reason), core.ToString());
        });
        if (accepted)
        {
            Assert.Multiple(() =>
            {
                Assert.That(core.Identity!.Username, Is.EqualTo(review.Username));
                Assert.That(core.Identity.Uid, Is.EqualTo(review.Uid));
                Assert.That(core.Identity.Groups, Is.EqualTo(review.Groups));
                Assert.That(core.Identity.Extra, Is.EquivalentTo(review.Extra));
                Assert.That(core.Identity.Audiences, Is.EqualTo(review.Audiences));
            });
        }
    }
}
