using NUnit.Framework;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenReviewVerificationTests : IDisposable
{
    private readonly ReviewTestContext _context = new();
    private TokenVerifier? _verifier;

    private TokenVerifier Verifier => _verifier ??= _context.Wrap(new TokenReviewVerification(_context.Reviewer), VerificationMode.TokenReview);

    public void Dispose() => _context.Dispose();

    private static readonly Dictionary<string, Func<TokenReviewOutcome>> Outcomes = new()
    {
        ["authenticated"] = () => FakeTokenReviewTransport.Authenticated(),
        ["invalidated"] = FakeTokenReviewTransport.Invalidated,
        ["pod-uid-mismatch"] = () => TokenReviewOutcome.NotAuthenticated("[invalid bearer token, pod UID (b) does not match service account pod ref claim (a)]"),
        ["sa-deleted"] = () => TokenReviewOutcome.NotAuthenticated("[invalid bearer token, service account default/web has been deleted]"),
        ["expired"] = FakeTokenReviewTransport.Expired,
        ["bare"] = () => TokenReviewOutcome.NotAuthenticated("invalid bearer token"),
        ["no-error"] = () => TokenReviewOutcome.NotAuthenticated(null),
        ["not-a-service-account"] = () => TokenReviewOutcome.Authenticated(new TokenReviewUser("alice", null, [], TokenReviewOutcome.EmptyExtra), ["api"]),

        // An authenticator that ignores spec.audiences (or answers for another audience) must not authenticate us:
        // status.audiences has to name one we asked for (docs/kube-apiserver.md §9.4).
        ["foreign-audience"] = () => FakeTokenReviewTransport.Authenticated(audience: "someone-else"),
        ["no-audiences"] = () => TokenReviewOutcome.Authenticated(FakeTokenReviewTransport.Authenticated().User!, []),
        ["503"] = () => FakeTokenReviewTransport.ServerError(),
        ["403"] = FakeTokenReviewTransport.Forbidden,
        ["401"] = () => TokenReviewOutcome.FromHttpError(401, "Unauthorized", null),
        ["404"] = () => TokenReviewOutcome.FromHttpError(404, "the server could not find the requested resource", null),
    };

    [TestCase("authenticated", VerificationFailureReason.None)]
    [TestCase("invalidated", VerificationFailureReason.BindingInvalidated)]
    [TestCase("pod-uid-mismatch", VerificationFailureReason.BindingInvalidated)]
    [TestCase("sa-deleted", VerificationFailureReason.BindingInvalidated)]
    [TestCase("expired", VerificationFailureReason.NotAuthenticated)]
    [TestCase("bare", VerificationFailureReason.NotAuthenticated)]
    [TestCase("no-error", VerificationFailureReason.NotAuthenticated)]
    [TestCase("not-a-service-account", VerificationFailureReason.NotAuthenticated)]
    [TestCase("foreign-audience", VerificationFailureReason.NotAuthenticated)]
    [TestCase("no-audiences", VerificationFailureReason.NotAuthenticated)]
    [TestCase("503", VerificationFailureReason.ApiServerUnavailable)]
    [TestCase("403", VerificationFailureReason.VerifierMisconfigured)]
    [TestCase("401", VerificationFailureReason.VerifierMisconfigured)]
    [TestCase("404", VerificationFailureReason.VerifierMisconfigured)]
    public async Task VerifyAsync_ReviewOutcome_MappedToReason(string outcome, VerificationFailureReason expected)
    {
        _context.Options.TokenReview.MaxRetries = 0;
        _context.Transport.Respond = _ => Outcomes[outcome]();

        var result = await Verifier.VerifyAsync("token-a");

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(expected), result.Message);
            Assert.That(result.Mode, Is.EqualTo(VerificationMode.TokenReview));
            Assert.That(result.Succeeded || !string.IsNullOrEmpty(result.Message), Is.True, "every failure says why");
        });
    }

    [Test]
    public async Task VerifyAsync_NotAuthenticated_MessageIsApiServerText()
    {
        _context.Transport.Respond = _ => FakeTokenReviewTransport.Invalidated();
        var result = await Verifier.VerifyAsync("token-a");
        Assert.That(result.Message, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
    }

    [Test]
    public async Task VerifyAsync_CachedReview_SameResultInstanceWithoutRequest()
    {
        var first = await Verifier.VerifyAsync("token-a");
        var second = await Verifier.VerifyAsync("token-a");
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(_context.Transport.Calls, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task VerifyAsync_EmptyToken_MalformedWithoutRequest()
    {
        var result = await Verifier.VerifyAsync("");
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.Malformed));
            Assert.That(_context.Transport.Calls, Is.Zero);
        });
    }

    [Test]
    public async Task VerifyAsync_OversizedToken_TooLargeWithoutRequest()
    {
        _context.Options.Validation.MaxTokenBytes = 100;
        var result = await Verifier.VerifyAsync(new string('a', 101));
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.TooLarge));
            Assert.That(_context.Transport.Calls, Is.Zero);
        });
    }

    [Test]
    public void WaitUntilReadyAsync_NoKeysNeeded_CompletesAtOnce() =>
        Assert.That(Verifier.WaitUntilReadyAsync().IsCompletedSuccessfully, Is.True);

    [Test]
    public async Task GetStatus_AfterMisconfiguration_UnhealthyWithError()
    {
        Assert.That(Verifier.GetStatus(), Is.EqualTo(new VerifierStatus { Mode = VerificationMode.TokenReview, IsReady = true, ApiServerHealthy = true }));

        _context.Transport.Respond = _ => FakeTokenReviewTransport.Forbidden();
        await Verifier.VerifyAsync("token-a");
        var status = Verifier.GetStatus();
        Assert.Multiple(() =>
        {
            Assert.That(status.ApiServerHealthy, Is.False);
            Assert.That(status.LastApiServerError, Does.Contain("forbidden"));
        });
    }
}
