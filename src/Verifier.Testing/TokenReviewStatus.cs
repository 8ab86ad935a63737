namespace Verifier.Testing;

/// <summary>
/// The <c>status</c> of a TokenReview as <see cref="LocalApiServer.ReviewToken"/> computes it in process, the same
/// code path as <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>.
/// </summary>
/// <param name="Authenticated">False when the token was refused (<see cref="Error"/> then says why).</param>
/// <param name="Username">e.g. <c>system:serviceaccount:ns:name</c>; null on failure.</param>
/// <param name="Uid">The service account uid from the token; null on failure.</param>
/// <param name="Groups">Empty on failure.</param>
/// <param name="Extra">Keys in ordinal order; empty on failure.</param>
/// <param name="Audiences">The intersection of the token's and the requested audiences; empty on failure.</param>
/// <param name="Error">e.g. <c>[invalid bearer token, service account token has expired]</c>; null on success.</param>
public sealed record TokenReviewStatus(
    bool Authenticated,
    string? Username,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Extra,
    IReadOnlyList<string> Audiences,
    string? Error);
