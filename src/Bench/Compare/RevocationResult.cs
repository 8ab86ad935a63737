namespace Bench.Compare;

/// <summary>What the revocation probe measured for one mode.</summary>
/// <param name="LatencyMilliseconds">Real time from the deletion leeway's end to the first rejection; null when none came.</param>
/// <param name="Reason">The rejection's reason.</param>
/// <param name="DecidedBy">The check that rejected (<c>TokenVerificationResult.Mode</c>): Watch for the index, TokenReview for the API server.</param>
/// <param name="Verifications">Verifications until the first rejection (one every 2 ms).</param>
/// <param name="Problem">Why there is no latency.</param>
internal sealed record RevocationResult(double? LatencyMilliseconds, string? Reason, string? DecidedBy, int Verifications, string? Problem)
{
    public static RevocationResult Failed(string problem) => new(null, null, null, 0, problem);
}
