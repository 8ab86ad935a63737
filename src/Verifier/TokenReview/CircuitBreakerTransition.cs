namespace Verifier.TokenReview;

/// <summary>What a reported attempt did to the breaker, so the caller can log and publish it.</summary>
internal enum CircuitBreakerTransition
{
    None,
    Opened,
    Closed,
}
