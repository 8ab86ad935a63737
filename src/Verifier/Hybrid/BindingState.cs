namespace Verifier.Hybrid;

/// <summary>What hybrid mode last learned about one binding. Immutable; replaced whole.</summary>
/// <param name="ConfirmedAt">When a review last said the binding is live; null once it was declared invalid.</param>
/// <param name="VerdictExpiresAt">Until when the last verdict stands without another review (the liveness TTL).</param>
/// <param name="Rejection">Non-null when the API server declared the binding invalid: the shared verdict for its tokens.</param>
internal sealed record BindingState(DateTimeOffset? ConfirmedAt, DateTimeOffset VerdictExpiresAt, TokenVerificationResult? Rejection);
