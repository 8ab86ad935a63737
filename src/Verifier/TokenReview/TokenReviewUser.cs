namespace Verifier.TokenReview;

/// <summary>TokenReview's <c>status.user</c>.</summary>
internal sealed record TokenReviewUser(
    string Username,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Extra);
