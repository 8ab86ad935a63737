namespace Bench.Compare;

/// <summary>
/// Where a mode is meant to disagree with TokenReview, and why. Everything not listed here must agree 100 %;
/// a disagreement that is not listed is a bug and fails the run.
/// </summary>
/// <remarks>
/// Legacy Secret-based tokens are not listed: they carry no <c>aud</c>, so kube-apiserver accepts them only for its
/// own API audiences (docs/kube-apiserver.md §4 step 4) and TokenReview for this run's audience rejects them, as every mode does
/// (Local by policy, <c>Validation.AcceptLegacyTokens</c> = false).
/// </remarks>
internal static class Expectations
{
    private const string Liveness =
        "offline verification cannot see that the bound pod is gone: the signature, audience and expiry are still good. " +
        "That is what hybrid mode is for.";

    private const string Excluded =
        "the signing key is excluded from discovery: kube-apiserver verifies with it but never publishes it, so offline " +
        "verification (and hybrid and watch, which verify locally first) cannot know it: UnknownKey (KeysUnavailable until a key set fetched after the kid was first seen has loaded). Use TokenReview mode while such tokens are in use.";

    /// <summary>Null when <paramref name="mode"/> must agree with TokenReview on <paramref name="category"/>.</summary>
    public static string? ExpectedDisagreement(string mode, TokenCategory category) => (mode, category) switch
    {
        ("local" or "local-uncached" or "shadow" or "hybrid" or "watch", TokenCategory.ExcludedKey) =>
            mode == "shadow" ? "shadow answers with its primary (local) verdict; the disagreement is what it counts. " + Excluded : Excluded,
        ("local" or "local-uncached" or "shadow", TokenCategory.DeletedPod or TokenCategory.RecreatedPod) =>
            mode == "shadow" ? "shadow answers with its primary (local) verdict; the disagreement is what it counts. " + Liveness : Liveness,
        _ => null,
    };
}
