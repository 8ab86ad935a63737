using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenReviewerTests : IDisposable
{
    private readonly ReviewTestContext _context = new();

    private FakeTokenReviewTransport Transport => _context.Transport;

    private TokenReviewOptions Options => _context.Options.TokenReview;

    public void Dispose() => _context.Dispose();

    [Test]
    public async Task ReviewAsync_Authenticated_CachedForSuccessTtl()
    {
        var reviewer = _context.Reviewer;
        var first = await reviewer.ReviewAsync("token-a");
        var second = await reviewer.ReviewAsync("token-a");

        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
            Assert.That(second, Is.SameAs(first));
            Assert.That(Transport.Calls, Is.EqualTo(1));
        });

        _context.Time.Advance(Options.SuccessTtl - TimeSpan.FromMilliseconds(1));
        await reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(1), "still cached just before the TTL");

        _context.Time.Advance(TimeSpan.FromMilliseconds(1));
        await reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(2), "reviewed again at the TTL");
    }

    [Test]
    public async Task ReviewAsync_SendsConfiguredAudiences()
    {
        _context.Options.Audiences = ["api", "vault"];
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Audiences.Single(), Is.EqualTo(new[] { "api", "vault" }));
    }

    [Test]
    public async Task ReviewAsync_DifferentTokens_CachedSeparately()
    {
        await _context.Reviewer.ReviewAsync("token-a");
        await _context.Reviewer.ReviewAsync("token-b");
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task ReviewAsync_NotAuthenticated_NotCachedByDefault()
    {
        Transport.Respond = _ => FakeTokenReviewTransport.Expired();
        await _context.Reviewer.ReviewAsync("token-a");
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task ReviewAsync_NotAuthenticatedWithFailureTtl_CachedForFailureTtl()
    {
        Options.FailureTtl = TimeSpan.FromSeconds(3);
        Transport.Respond = _ => FakeTokenReviewTransport.Expired();
        await _context.Reviewer.ReviewAsync("token-a");
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(1));

        _context.Time.Advance(TimeSpan.FromSeconds(3));
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(2));
    }

    [TestCase(503)]
    [TestCase(429)]
    [TestCase(403)]
    [TestCase(401)]
    public async Task ReviewAsync_TransientOrMisconfigured_NeverCached(int statusCode)
    {
        Options.MaxRetries = 0;
        Transport.Respond = _ => TokenReviewOutcome.FromHttpError(statusCode, "nope", null);
        await _context.Reviewer.ReviewAsync("token-a");
        await _context.Reviewer.ReviewAsync("token-a");
        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(2));
            Assert.That(_context.Reviewer.CachedCount, Is.Zero);
        });
    }

    [Test]
    public async Task ReviewAsync_ConcurrentCallersSameToken_ShareOneRequest()
    {
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reviews = Enumerable.Range(0, 20).Select(_ => _context.Reviewer.ReviewAsync("token-a").AsTask()).ToArray();
        await Eventually.WaitUntil(() => Transport.Calls == 1, "the first request");

        Transport.Gate.SetResult();
        var outcomes = await Task.WhenAll(reviews);

        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(1));
            Assert.That(outcomes.Distinct().Count(), Is.EqualTo(1), "every caller gets the one shared outcome");
        });
    }

    [Test]
    public async Task ReviewAsync_CallerCancels_SharedReviewContinuesForOthers()
    {
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var cancelled = _context.Reviewer.ReviewAsync("token-a", cancel.Token).AsTask();
        var patient = _context.Reviewer.ReviewAsync("token-a").AsTask();
        await Eventually.WaitUntil(() => Transport.Calls == 1, "the request");

        await cancel.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());

        Transport.Gate.SetResult();
        Assert.That((await patient).Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
    }

    [Test]
    public async Task ReviewAsync_ManyTokens_AtMostMaxConcurrencyInFlight()
    {
        Options.MaxConcurrency = 2;
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reviews = Enumerable.Range(0, 6).Select(i => _context.Reviewer.ReviewAsync("token-" + i).AsTask()).ToArray();
        await Eventually.WaitUntil(() => Transport.Calls == 2, "two requests in flight");

        Transport.Gate.SetResult();
        await Task.WhenAll(reviews);

        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(6));
            Assert.That(Transport.MaxInFlight, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_429WithRetryAfter_WaitsExactlyRetryAfter()
    {
        Transport.Enqueue(FakeTokenReviewTransport.TooManyRequests(TimeSpan.FromSeconds(2)));
        var review = _context.Reviewer.ReviewUncachedAsync("token-a");
        Assert.That(Transport.Calls, Is.EqualTo(1));

        await _context.AdvanceRetryDelayAsync(TimeSpan.FromMilliseconds(1999));
        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(1), "no retry before Retry-After");
            Assert.That(review.IsCompleted, Is.False);
        });

        _context.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.WaitUntil(() => Transport.Calls == 2, "the retry");
        Assert.That((await review.WaitAsync(TimeSpan.FromSeconds(30))).Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
    }

    [Test]
    public async Task ReviewUncachedAsync_RetryAfterBeyondMaxRetryDelay_Capped()
    {
        Options.MaxRetryDelay = TimeSpan.FromSeconds(3);
        Transport.Enqueue(FakeTokenReviewTransport.TooManyRequests(TimeSpan.FromSeconds(60)));
        var review = _context.Reviewer.ReviewUncachedAsync("token-a");

        await _context.AdvanceRetryDelayAsync(TimeSpan.FromSeconds(3));
        await Eventually.WaitUntil(() => Transport.Calls == 2, "the capped retry");
        Assert.That((await review.WaitAsync(TimeSpan.FromSeconds(30))).Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
    }

    [Test]
    public async Task ReviewUncachedAsync_ServerErrorsThroughout_RetriesMaxRetriesThenUnavailable()
    {
        Options.MaxRetries = 2;
        Options.RetryBaseDelay = TimeSpan.FromMilliseconds(100);
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        var review = _context.Reviewer.ReviewUncachedAsync("token-a");

        // Equal jitter: retry n waits between half and all of 100 ms · 2^n.
        await _context.AdvanceRetryDelayAsync(TimeSpan.FromMilliseconds(100));
        await Eventually.WaitUntil(() => Transport.Calls == 2, "first retry");
        await _context.AdvanceRetryDelayAsync(TimeSpan.FromMilliseconds(200));
        await Eventually.WaitUntil(() => Transport.Calls == 3, "second retry");

        var outcome = await review.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(TokenReviewOutcomeKind.Unavailable));
            Assert.That(outcome.StatusCode, Is.EqualTo(503));
            Assert.That(Transport.Calls, Is.EqualTo(3));
            Assert.That(_context.Time.ActiveTimerCount, Is.Zero, "no timer left behind");
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_Forbidden_MisconfiguredWithoutRetry()
    {
        Transport.Respond = _ => FakeTokenReviewTransport.Forbidden();
        var outcome = await _context.Reviewer.ReviewUncachedAsync("token-a");

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(TokenReviewOutcomeKind.Misconfigured));
            Assert.That(outcome.StatusCode, Is.EqualTo(403));
            Assert.That(Transport.Calls, Is.EqualTo(1));
            Assert.That(_context.Reviewer.ApiServerHealthy, Is.False);
            Assert.That(_context.Reviewer.LastError, Does.Contain("cannot create resource \"tokenreviews\""));
            Assert.That(_context.Reviewer.BreakerState, Is.EqualTo(CircuitBreakerState.Closed), "the API server answered");
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_TransportHangs_TimesOutAfterTimeout()
    {
        Options.MaxRetries = 0;
        Options.Timeout = TimeSpan.FromSeconds(5);
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var review = _context.Reviewer.ReviewUncachedAsync("token-a");
        await Eventually.WaitUntil(() => Transport.Calls == 1, "the request");

        _context.Time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.That(review.IsCompleted, Is.False);
        _context.Time.Advance(TimeSpan.FromMilliseconds(1));

        var outcome = await review.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(TokenReviewOutcomeKind.Unavailable));
            Assert.That(outcome.Error, Does.Contain("timed out"));
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_HttpRequestException_Unavailable()
    {
        Options.MaxRetries = 0;
        Transport.Respond = _ => throw new HttpRequestException("Connection refused (127.0.0.1:1)");
        var outcome = await _context.Reviewer.ReviewUncachedAsync("token-a");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(TokenReviewOutcomeKind.Unavailable));
            Assert.That(outcome.Error, Does.Contain("Connection refused"));
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_ConsecutiveFailuresReachThreshold_BreakerFailsFastUntilTrial()
    {
        Options.MaxRetries = 0;
        Options.BreakerFailureThreshold = 3;
        Options.BreakerBreakDuration = TimeSpan.FromSeconds(30);
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        var reviewer = _context.Reviewer;
        for (var i = 0; i < 3; i++)
        {
            await reviewer.ReviewUncachedAsync("token-" + i);
        }

        var refused = await reviewer.ReviewUncachedAsync("token-x");
        Assert.Multiple(() =>
        {
            Assert.That(Transport.Calls, Is.EqualTo(3), "the open breaker sends nothing");
            Assert.That(refused.Kind, Is.EqualTo(TokenReviewOutcomeKind.Unavailable));
            Assert.That(refused.Error, Does.Contain("circuit breaker open"));
            Assert.That(reviewer.BreakerState, Is.EqualTo(CircuitBreakerState.Open));
            Assert.That(reviewer.ApiServerHealthy, Is.False);
        });

        _context.Time.Advance(TimeSpan.FromSeconds(30));
        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated();
        var trial = await reviewer.ReviewUncachedAsync("token-y");
        Assert.Multiple(() =>
        {
            Assert.That(trial.Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
            Assert.That(Transport.Calls, Is.EqualTo(4));
            Assert.That(reviewer.BreakerState, Is.EqualTo(CircuitBreakerState.Closed));
            Assert.That(reviewer.ApiServerHealthy, Is.True);
            Assert.That(reviewer.LastError, Does.Contain("unable to handle"), "the last error stays for diagnostics");
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_BreakerOpensDuringRetries_StopsRetrying()
    {
        Options.MaxRetries = 5;
        Options.BreakerFailureThreshold = 2;
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError(retryAfter: TimeSpan.FromSeconds(1));
        var review = _context.Reviewer.ReviewUncachedAsync("token-a");
        await _context.AdvanceRetryDelayAsync(TimeSpan.FromSeconds(1));
        await Eventually.WaitUntil(() => Transport.Calls == 2, "the retry");
        await _context.AdvanceRetryDelayAsync(TimeSpan.FromSeconds(1));

        var outcome = await review.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Error, Does.Contain("circuit breaker open"));
            Assert.That(Transport.Calls, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_HalfOpen_OnlyOneTrialReachesServer()
    {
        Options.MaxRetries = 0;
        Options.BreakerFailureThreshold = 1;
        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        await _context.Reviewer.ReviewUncachedAsync("token-a");
        _context.Time.Advance(Options.BreakerBreakDuration);

        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated();
        Transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var trial = _context.Reviewer.ReviewUncachedAsync("token-b");
        await Eventually.WaitUntil(() => Transport.Calls == 2, "the trial");
        var second = await _context.Reviewer.ReviewUncachedAsync("token-c");

        Transport.Gate.SetResult();
        Assert.Multiple(async () =>
        {
            Assert.That(second.Error, Does.Contain("circuit breaker open"));
            Assert.That((await trial).Kind, Is.EqualTo(TokenReviewOutcomeKind.Authenticated));
            Assert.That(Transport.Calls, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ReviewUncachedAsync_BreakerTransitions_PublishedAsGaugeAndRequestsCounted()
    {
        Options.MaxRetries = 0;
        Options.BreakerFailureThreshold = 1;
        using var gauge = new MetricCollector<int>(_context.Metrics.Meter, "verifier.tokenreview.breaker.state");
        using var requests = new MetricCollector<long>(_context.Metrics.Meter, "verifier.tokenreview.requests");

        Transport.Respond = _ => FakeTokenReviewTransport.ServerError();
        await _context.Reviewer.ReviewUncachedAsync("token-a");
        gauge.RecordObservableInstruments();

        // The break has run out: the next call is the probe. The gauge reads the breaker, not a stored copy of its
        // state, so it reports half-open (2) here (it once stayed at open).
        _context.Time.Advance(Options.BreakerBreakDuration);
        gauge.RecordObservableInstruments();
        Transport.Respond = _ => FakeTokenReviewTransport.Authenticated();
        await _context.Reviewer.ReviewUncachedAsync("token-b");
        gauge.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(gauge.GetMeasurementSnapshot().Select(m => m.Value), Is.EqualTo(new[] { 1, 2, 0 }));
            Assert.That(requests.GetMeasurementSnapshot().Select(m => ((string?)m.Tags["result"], (int)m.Tags["status_code"]!)),
                Is.EqualTo(new[] { ("error", 503), ("authenticated", 201) }));
        });
    }

    [TestCase(0, 50, 100)]
    [TestCase(1, 100, 200)]
    [TestCase(2, 200, 400)]
    [TestCase(10, 5000, 5000)]
    public void RetryDelay_Backoff_ExponentialWithEqualJitterCapped(int attempt, double minMs, double maxMs)
    {
        Options.RetryBaseDelay = TimeSpan.FromMilliseconds(100);
        Options.MaxRetryDelay = TimeSpan.FromSeconds(5);
        for (var i = 0; i < 50; i++)
        {
            var delay = _context.Reviewer.RetryDelay(attempt, retryAfter: null).TotalMilliseconds;
            Assert.That(delay, Is.InRange(minMs, maxMs));
        }
    }

    [TestCase(2, 2)]
    [TestCase(0, 0)]
    [TestCase(30, 5)]
    public void RetryDelay_RetryAfter_HonouredUpToMax(int retryAfterSeconds, int expectedSeconds)
    {
        Options.MaxRetryDelay = TimeSpan.FromSeconds(5);
        Assert.That(_context.Reviewer.RetryDelay(0, TimeSpan.FromSeconds(retryAfterSeconds)), Is.EqualTo(TimeSpan.FromSeconds(expectedSeconds)));
    }
}
