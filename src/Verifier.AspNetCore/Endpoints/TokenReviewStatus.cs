namespace Verifier.AspNetCore.Endpoints;

/// <summary>
/// TokenReview <c>status</c>, fields in kube's order. On failure <c>authenticated</c> and <c>audiences</c> are
/// omitted and <c>user</c> is <c>{}</c>, exactly as kube-apiserver writes it.
/// </summary>
internal sealed class TokenReviewStatus
{
    /// <summary>True or null (omitted): Go's <c>omitempty</c> drops false.</summary>
    public bool? Authenticated { get; set; }

    public TokenReviewUser User { get; set; } = new();

    public IReadOnlyList<string>? Audiences { get; set; }

    public string? Error { get; set; }
}
