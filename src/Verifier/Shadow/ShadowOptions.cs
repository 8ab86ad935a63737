namespace Verifier.Shadow;

/// <summary>Shadow mode: answer with one mode, compare with the other off the hot path.</summary>
public sealed class ShadowOptions
{
    /// <summary>The mode whose verdict is returned. Default <see cref="VerificationMode.Local"/>.</summary>
    public VerificationMode Primary { get; set; } = VerificationMode.Local;

    /// <summary>The mode run for comparison. Default <see cref="VerificationMode.TokenReview"/>.</summary>
    public VerificationMode Secondary { get; set; } = VerificationMode.TokenReview;

    /// <summary>Fraction of tokens also verified by <see cref="Secondary"/>, 0..1. Default 0.1.</summary>
    public double SampleRate { get; set; } = 0.1;

    /// <summary>Shadow verifications in flight at most; samples beyond are skipped and counted. Default 16.</summary>
    public int MaxConcurrency { get; set; } = 16;
}
