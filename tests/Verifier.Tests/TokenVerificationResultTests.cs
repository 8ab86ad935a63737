using NUnit.Framework;

namespace Verifier.Tests;

public sealed class TokenVerificationResultTests
{
    private static readonly ServiceAccountIdentity Identity = new("team-a", "sa-0") { ServiceAccountUid = "uid-1", PodName = "pod-0", PodUid = "pod-uid" };

    [Test]
    public void Mode_SetAtCreation_SaysWhichCheckDecided()
    {
        var local = TokenVerificationResult.Success(Identity);
        var reviewed = TokenVerificationResult.Failure(VerificationFailureReason.BindingInvalidated, "pod deleted", VerificationMode.TokenReview);

        Assert.Multiple(() =>
        {
            Assert.That(local.Mode, Is.EqualTo(VerificationMode.Local), "offline checks are the default decider");
            Assert.That(reviewed.Mode, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(reviewed.ToString(), Does.Contain("TokenReview").And.Contain("BindingInvalidated"));
        });
    }

    [TestCase(VerificationFailureReason.None, false, "none")]
    [TestCase(VerificationFailureReason.UnknownKey, false, "unknown_key")]
    [TestCase(VerificationFailureReason.BindingInvalidated, false, "binding_invalidated")]
    [TestCase(VerificationFailureReason.KeysUnavailable, true, "keys_unavailable")]
    [TestCase(VerificationFailureReason.ApiServerUnavailable, true, "api_server_unavailable")]
    [TestCase(VerificationFailureReason.VerifierMisconfigured, true, "verifier_misconfigured")]
    public void Reason_TransientAndWireName_DefinedOnce(VerificationFailureReason reason, bool transient, string wireName)
    {
        Assert.Multiple(() =>
        {
            Assert.That(reason.IsTransient(), Is.EqualTo(transient));
            Assert.That(reason.ToWireName(), Is.EqualTo(wireName));
            if (reason != VerificationFailureReason.None)
            {
                Assert.That(TokenVerificationResult.Failure(reason, "m").IsTransient, Is.EqualTo(transient), "the result reads the same set");
            }
        });
    }
}
