using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>What <see cref="TokenValidator.Validate"/> decided, with what the verifier needs next.</summary>
/// <param name="Result">The verdict.</param>
/// <param name="UnknownKeyId">Set (with an UnknownKey result) when the token names a kid the key set lacks: a refresh may help.</param>
/// <param name="Key">The key that verified the signature, on success.</param>
/// <param name="ValidUntilUtcTicks">
/// The last instant the verdict holds, for caching: on success exp + leeway (<see cref="long.MaxValue"/> without exp,
/// legacy); for a token not valid yet, the instant before nbf (or iat) − leeway; <see cref="long.MaxValue"/> for other
/// failures, which only a change of the key set (handled by the cache) can end.
/// </param>
internal readonly record struct ValidationOutcome(TokenVerificationResult Result, string? UnknownKeyId, VerificationKey? Key, long ValidUntilUtcTicks)
{
    public static ValidationOutcome Failed(TokenVerificationResult result) => new(result, null, null, long.MaxValue);
}
