namespace Verifier.Shadow;

/// <summary>How many sampled tokens got <see cref="Primary"/> from the primary mode and <see cref="Secondary"/> from the other.</summary>
public sealed record ShadowComparisonCount(
    VerificationFailureReason Primary,
    VerificationFailureReason Secondary,
    ShadowComparisonOutcome Outcome,
    long Count);
