using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests;

/// <summary>The one entry every mode goes through: entry checks, cancellation, disposal and the one log line per verdict.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenVerifierTests : IDisposable
{
    private readonly ReviewTestContext _context = new();
    private readonly FakeVerifier _strategy = new(VerificationMode.Local);
    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggers;

    public TokenVerifierTests()
    {
        _context.Options.TokenReview.MaxRetries = 0;
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(_logs)));
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _context.Dispose();
    }

    [TestCase("", VerificationFailureReason.Malformed, "token is empty")]
    [TestCase("a.b.ç", VerificationFailureReason.Malformed, "neither base64url nor '.'")]
    [TestCase("x", VerificationFailureReason.TooLarge, "Verifier:Validation:MaxTokenBytes")]
    public async Task VerifyAsync_EntryCheckFails_SameVerdictInEveryModeWithoutAskingTheMode(string token, VerificationFailureReason reason, string message)
    {
        if (reason == VerificationFailureReason.TooLarge)
        {
            token = new string('a', _context.Options.Validation.MaxTokenBytes + 1);
        }

        var local = await _context.Wrap(_strategy, VerificationMode.Local).VerifyAsync(token);
        var reviewed = await _context.Wrap(new TokenReviewVerification(_context.Reviewer), VerificationMode.TokenReview).VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(local.Reason, Is.EqualTo(reason));
            Assert.That(local.Message, Does.Contain(message));
            Assert.That(reviewed, Is.SameAs(local), "one message per reason, whatever the mode");
            Assert.That(_strategy.Calls, Is.Zero);
            Assert.That(_context.Transport.Calls, Is.Zero, "junk never costs a round trip");
        });
    }

    [Test]
    public void VerifyAsync_CallerAlreadyCancelled_ThrowsAndStartsNoReview()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var verifier = _context.Wrap(new TokenReviewVerification(_context.Reviewer), VerificationMode.TokenReview);

        Assert.That(async () => await verifier.VerifyAsync("a.b.c", cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_context.Transport.Calls, Is.Zero, "no TokenReview for a caller that is gone");
    }

    [Test]
    public void VerifyAsync_AfterDispose_ObjectDisposedFromTheVerifier()
    {
        var verifier = _context.Wrap(_strategy, VerificationMode.Local);
        verifier.Dispose();
        verifier.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(() => verifier.VerifyAsync("a.b.c"), Throws.TypeOf<ObjectDisposedException>().With.Property("ObjectName").Contains(nameof(TokenVerifier)));
            Assert.That(() => verifier.GetStatus(), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public async Task VerifyAsync_HostStopsWithReviewsInFlight_EachEndsWithA503Verdict()
    {
        _context.Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var verifier = _context.Wrap(new TokenReviewVerification(_context.Reviewer), VerificationMode.TokenReview);
        var pending = Enumerable.Range(0, 8).Select(i => verifier.VerifyAsync($"a.b.{i}").AsTask()).ToList();
        await Eventually.WaitUntil(() => _context.Transport.Calls == 8, "eight reviews in flight");

        _context.Reviewer.Dispose();
        var results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(results.Select(r => r.Reason), Is.All.EqualTo(VerificationFailureReason.ApiServerUnavailable));
        Assert.That(results[0].Message, Does.Contain("stopping"));
    }

    [Test]
    public async Task VerifyAsync_EveryVerdictLoggedOnceWithTheSameHashInEveryMode()
    {
        const string token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtpZC03In0.cGF5bG9hZA.c2lnbmF0dXJl";
        _strategy.Respond = _ => TokenVerificationResult.Failure(VerificationFailureReason.BadSignature, "invalid signature");
        var local = _context.Wrap(_strategy, VerificationMode.Local, _loggers.CreateLogger<TokenVerifier>());
        var reviewed = _context.Wrap(new TokenReviewVerification(_context.Reviewer), VerificationMode.TokenReview, _loggers.CreateLogger<TokenVerifier>());

        await local.VerifyAsync(token);
        await reviewed.VerifyAsync(token);
        await reviewed.VerifyAsync(token);

        var lines = _logs.GetSnapshot().Where(e => e.Category == typeof(TokenVerifier).FullName).ToList();
        var hash = _context.Hasher.Compute(token).ToShortString();
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(3), "one line per verdict, cached TokenReview answers included");
            Assert.That(lines.Select(l => l.Level), Is.All.EqualTo(LogLevel.Debug));
            Assert.That(lines.Select(l => l.Message), Is.All.Contains(hash), "one token, one id, in every mode's lines");
            Assert.That(lines[0].Message, Does.Contain("BadSignature").And.Contain("kid-7").And.Contain("decided by Local"));
            Assert.That(lines[1].Message, Does.Contain("accepted").And.Contain("decided by TokenReview"));
            var everything = string.Join('\n', lines.Select(l => l.Message + " " + string.Join(",", l.StructuredState?.Select(p => p.Value) ?? [])));
            Assert.That(everything, Does.Not.Contain("c2lnbmF0dXJl").And.Not.Contain("cGF5bG9hZA"), "neither in the message nor in the structured state");
        });
    }
}
