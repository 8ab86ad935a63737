namespace Verifier.AspNetCore.Endpoints;

/// <summary>The plain verify endpoint's 200 body: TokenReview's <c>status.user</c> plus the accepted audiences.</summary>
internal sealed class VerifiedIdentityResponse
{
    public string? Username { get; set; }

    public string? Uid { get; set; }

    public IReadOnlyList<string>? Groups { get; set; }

    public SortedDictionary<string, IReadOnlyList<string>>? Extra { get; set; }

    public IReadOnlyList<string>? Audiences { get; set; }
}
