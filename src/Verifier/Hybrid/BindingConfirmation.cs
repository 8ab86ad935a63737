namespace Verifier.Hybrid;

/// <summary>The shared result of one binding review.</summary>
/// <param name="Kind">What the review said.</param>
/// <param name="ReviewedToken">The token that was sent, compared by reference to tell its own caller from those that joined the flight. Never logged or kept past the flight.</param>
/// <param name="Verdict">The verdict for <see cref="BindingConfirmationKind.Invalidated"/> and <see cref="BindingConfirmationKind.TokenRejected"/>.</param>
/// <param name="Error">The API server's error for the other failures.</param>
internal sealed record BindingConfirmation(BindingConfirmationKind Kind, string ReviewedToken, TokenVerificationResult? Verdict, string? Error);
