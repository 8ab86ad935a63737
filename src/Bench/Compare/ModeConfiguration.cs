using Verifier;

namespace Bench.Compare;

/// <summary>One verifier configuration the run measures.</summary>
/// <param name="Name">Short name used in the report.</param>
/// <param name="Mode">The verifier mode.</param>
/// <param name="Configure">Changes on top of the run's base options (audiences, API server).</param>
internal sealed record ModeConfiguration(string Name, VerificationMode Mode, Action<KubernetesTokenVerifierOptions> Configure)
{
    public static IReadOnlyList<ModeConfiguration> All { get; } =
    [
        new("local", VerificationMode.Local, static _ => { }),
        new("local-uncached", VerificationMode.Local, static o => o.Cache.Enabled = false),
        new("tokenreview", VerificationMode.TokenReview, static _ => { }),
        new("tokenreview-uncached", VerificationMode.TokenReview, static o => o.TokenReview.SuccessTtl = TimeSpan.Zero),
        new("hybrid", VerificationMode.Hybrid, static _ => { }),
        new("watch", VerificationMode.Watch, static _ => { }),
        new("shadow", VerificationMode.Shadow, static o =>
        {
            o.Shadow.Primary = VerificationMode.Local;
            o.Shadow.Secondary = VerificationMode.TokenReview;
            o.Shadow.SampleRate = 1.0;
        }),
    ];
}
