using NUnit.Framework;
using Verifier.Testing;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CircuitBreakerTests
{
    private readonly ManualTimeProvider _time = new();

    [Test]
    public void OnFailure_BelowThreshold_StaysClosed()
    {
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(30), _time);
        Assert.Multiple(() =>
        {
            Assert.That(breaker.OnFailure(), Is.EqualTo(CircuitBreakerTransition.None));
            Assert.That(breaker.OnFailure(), Is.EqualTo(CircuitBreakerTransition.None));
            Assert.That(breaker.State, Is.EqualTo(CircuitBreakerState.Closed));
            Assert.That(breaker.TryAcquire(), Is.True);
        });
    }

    [Test]
    public void OnSuccess_ResetsConsecutiveCount()
    {
        var breaker = new CircuitBreaker(2, TimeSpan.FromSeconds(30), _time);
        breaker.OnFailure();
        breaker.OnSuccess();
        Assert.Multiple(() =>
        {
            Assert.That(breaker.OnFailure(), Is.EqualTo(CircuitBreakerTransition.None));
            Assert.That(breaker.State, Is.EqualTo(CircuitBreakerState.Closed));
        });
    }

    [Test]
    public void OnFailure_AtThreshold_OpensAndRefusesUntilBreakElapsed()
    {
        var breaker = new CircuitBreaker(2, TimeSpan.FromSeconds(30), _time);
        breaker.OnFailure();
        var transition = breaker.OnFailure();

        Assert.Multiple(() =>
        {
            Assert.That(transition, Is.EqualTo(CircuitBreakerTransition.Opened));
            Assert.That(breaker.State, Is.EqualTo(CircuitBreakerState.Open));
            Assert.That(breaker.TryAcquire(), Is.False);
        });

        _time.Advance(TimeSpan.FromSeconds(29.999));
        Assert.That(breaker.TryAcquire(), Is.False);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(breaker.State, Is.EqualTo(CircuitBreakerState.HalfOpen));
    }

    [Test]
    public void TryAcquire_HalfOpen_LetsExactlyOneTrialThrough()
    {
        var breaker = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(breaker.TryAcquire(), Is.True, "the trial");
            Assert.That(breaker.TryAcquire(), Is.False, "a second caller while the trial runs");
        });
    }

    [Test]
    public void OnSuccess_OfTrial_Closes()
    {
        var breaker = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire();

        Assert.Multiple(() =>
        {
            Assert.That(breaker.OnSuccess(), Is.EqualTo(CircuitBreakerTransition.Closed));
            Assert.That(breaker.State, Is.EqualTo(CircuitBreakerState.Closed));
            Assert.That(breaker.TryAcquire(), Is.True);
        });
    }

    [Test]
    public void OnFailure_OfTrial_ReopensForAnotherBreak()
    {
        var breaker = OpenBreaker();
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire();

        Assert.Multiple(() =>
        {
            Assert.That(breaker.OnFailure(), Is.EqualTo(CircuitBreakerTransition.Opened));
            Assert.That(breaker.OpenUntil, Is.EqualTo(_time.GetUtcNow() + TimeSpan.FromSeconds(30)));
            Assert.That(breaker.TryAcquire(), Is.False);
        });
    }

    private CircuitBreaker OpenBreaker()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(30), _time);
        breaker.OnFailure();
        return breaker;
    }
}
