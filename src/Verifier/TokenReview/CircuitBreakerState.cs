namespace Verifier.TokenReview;

/// <summary>Values match the <c>verifier.tokenreview.breaker.state</c> gauge.</summary>
internal enum CircuitBreakerState
{
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}
