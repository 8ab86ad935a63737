namespace Verifier.Shadow;

/// <summary>Shadow mode's comparison counts; registered by <c>AddKubernetesTokenVerifier</c> in every mode.</summary>
public interface IShadowComparisonReporter
{
    /// <summary>A snapshot of the counts so far.</summary>
    ShadowComparisonReport GetReport();
}
