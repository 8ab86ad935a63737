namespace Bench.Compare;

/// <summary>What TokenReview said: <paramref name="Authenticated"/>, or the error text.</summary>
internal sealed record ReferenceVerdict(bool Authenticated, string? Error);
