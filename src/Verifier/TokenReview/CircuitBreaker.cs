namespace Verifier.TokenReview;

/// <summary>
/// Consecutive-failure circuit breaker: <c>threshold</c> failures in a row open it for <c>breakDuration</c>; then a
/// single trial attempt is let through (half-open) while every other attempt is still refused; the trial's success
/// closes it, its failure re-opens it for another <c>breakDuration</c>.
/// </summary>
/// <remarks>
/// A lock, not lock-free state: it is taken once per API-server attempt (milliseconds each), never on a cache hit.
/// </remarks>
internal sealed class CircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly TimeProvider _time;

    private CircuitBreakerState _state;
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil;
    private bool _trialInFlight;

    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="threshold"/> is less than 1 or <paramref name="breakDuration"/> is negative.</exception>
    public CircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(breakDuration, TimeSpan.Zero);
        _threshold = threshold;
        _breakDuration = breakDuration;
        _time = time;
    }

    /// <summary>The state now; an open breaker whose break has elapsed reads as half-open.</summary>
    public CircuitBreakerState State
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitBreakerState.Open && _time.GetUtcNow() >= _openUntil ? CircuitBreakerState.HalfOpen : _state;
            }
        }
    }

    /// <summary>When an open breaker lets the next trial through.</summary>
    public DateTimeOffset OpenUntil
    {
        get
        {
            lock (_lock)
            {
                return _openUntil;
            }
        }
    }

    /// <summary>
    /// Asks to make one attempt. True when closed, or when this caller becomes the half-open trial. Every true must
    /// be followed by exactly one <see cref="OnSuccess"/> or <see cref="OnFailure"/>.
    /// </summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            switch (_state)
            {
                case CircuitBreakerState.Closed:
                    return true;
                case CircuitBreakerState.Open when _time.GetUtcNow() >= _openUntil:
                    _state = CircuitBreakerState.HalfOpen;
                    _trialInFlight = true;
                    return true;
                case CircuitBreakerState.HalfOpen when !_trialInFlight:
                    _trialInFlight = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    public CircuitBreakerTransition OnSuccess()
    {
        lock (_lock)
        {
            _consecutiveFailures = 0;
            _trialInFlight = false;
            if (_state == CircuitBreakerState.Closed)
            {
                return CircuitBreakerTransition.None;
            }

            _state = CircuitBreakerState.Closed;
            return CircuitBreakerTransition.Closed;
        }
    }

    public CircuitBreakerTransition OnFailure()
    {
        lock (_lock)
        {
            _trialInFlight = false;
            _consecutiveFailures++;
            if (_state == CircuitBreakerState.HalfOpen || (_state == CircuitBreakerState.Closed && _consecutiveFailures >= _threshold))
            {
                _state = CircuitBreakerState.Open;
                _openUntil = _time.GetUtcNow() + _breakDuration;
                return CircuitBreakerTransition.Opened;
            }

            // Closed below the threshold, or Open already (an attempt that started before the breaker opened).
            return CircuitBreakerTransition.None;
        }
    }
}
