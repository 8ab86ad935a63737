namespace Verifier.Shadow;

/// <summary>How two verdicts on one token compare.</summary>
public enum ShadowComparisonOutcome
{
    /// <summary>Both accepted, or both rejected (possibly for differently named reasons, e.g. Expired vs NotAuthenticated).</summary>
    Agreed,

    /// <summary>One accepted and the other rejected: what a switch of mode would change.</summary>
    Disagreed,

    /// <summary>One side could not decide (keys or API server unavailable, verifier misconfigured).</summary>
    Inconclusive,
}
