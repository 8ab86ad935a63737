namespace Verifier.TokenReview;

/// <summary>
/// The one call the TokenReview machinery needs from the API-server connection: POST one TokenReview and say what
/// came back. Implementations translate HTTP and connection failures into <see cref="TokenReviewOutcome"/>s; they
/// do not retry, cache or time out on their own (<see cref="TokenReviewer"/> does).
/// </summary>
internal interface ITokenReviewTransport
{
    /// <summary>Reviews <paramref name="token"/> with <c>spec.audiences</c> = <paramref name="audiences"/>.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires (the attempt timed out or the verifier stops).</exception>
    /// <exception cref="HttpRequestException">For connection failures not mapped to an outcome; treated as <see cref="TokenReviewOutcomeKind.Unavailable"/>.</exception>
    ValueTask<TokenReviewOutcome> ReviewAsync(string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken);
}
