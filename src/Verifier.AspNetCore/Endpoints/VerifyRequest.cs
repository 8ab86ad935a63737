namespace Verifier.AspNetCore.Endpoints;

/// <summary>
/// A request body of the verify endpoint: either <c>{"token":"…"}</c>, or a TokenReview
/// (<c>{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"…","audiences":[…]}}</c>).
/// </summary>
internal sealed class VerifyRequest
{
    public string? Token { get; set; }

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public TokenReviewSpec? Spec { get; set; }
}
