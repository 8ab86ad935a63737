namespace Bench.Compare;

/// <summary>
/// Where a mode is meant to disagree with TokenReview, and why. Everything not listed here must agree 100 %;
/// a disagreement that is not listed is a bug and fails the run.
/// </summary>
internal static class Expectations
{
    private const string Liveness =
        "offline verification cannot see that the bound pod is gone: the signature, audience and expiry are still good. " +
        "That is what hybrid mode is for.";

    private const string Legacy =
        "legacy Secret-based tokens are rejected by policy (Validation.AcceptLegacyTokens = false); " +
        "kube-apiserver still accepts them while their Secret exists.";

    /// <summary>Null when <paramref name="mode"/> must agree with TokenReview on <paramref name="category"/>.</summary>
    public static string? ExpectedDisagreement(string mode, TokenCategory category) => (mode, category) switch
    {
        ("local" or "local-uncached" or "shadow", TokenCategory.DeletedPod or TokenCategory.RecreatedPod) =>
            mode == "shadow" ? "shadow answers with its primary (local) verdict; the disagreement is what it counts. " + Liveness : Liveness,
        ("local" or "local-uncached" or "hybrid" or "shadow", TokenCategory.LegacySecret) =>
            mode == "hybrid" ? "hybrid checks locally first, and " + Legacy : Legacy,
        _ => null,
    };
}
