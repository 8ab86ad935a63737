namespace Verifier.AspNetCore.Endpoints;

/// <summary>TokenReview <c>spec</c>: the token under review and the audiences the caller wants it checked for.</summary>
internal sealed class TokenReviewSpec
{
    public string? Token { get; set; }

    public IList<string>? Audiences { get; set; }
}
