namespace Verifier.Testing.Tokens;

/// <summary>What the token authenticator decided: the user and audience intersection, or the aggregate error text.</summary>
internal sealed record TokenReviewOutcome(bool Authenticated, AuthenticatedUser? User, IReadOnlyList<string>? Audiences, string? Error);
