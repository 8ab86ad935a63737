using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.Shadow;

namespace Bench.Compare;

/// <summary>Copies shadow mode's own comparison report (what a user would read before switching modes) into the run's report.</summary>
internal static class ShadowReportWriter
{
    public static void Describe(IServiceProvider services, ModeResult result)
    {
        if (result.Mode.Mode != VerificationMode.Shadow)
        {
            return;
        }

        var report = services.GetRequiredService<IShadowComparisonReporter>().GetReport();
        result.ShadowReport.Add(report.ToString());
        foreach (var pair in report.Pairs.OrderByDescending(static p => p.Count))
        {
            result.ShadowReport.Add($"{pair.Outcome}: primary {pair.Primary}, secondary {pair.Secondary} — {pair.Count}{Explain(report, pair)}");
        }
    }

    // The differences Expectations explains, named where a shadow user sees them.
    internal static string Explain(ShadowComparisonReport report, ShadowComparisonCount pair) =>
        report.Primary == VerificationMode.Local && report.Secondary == VerificationMode.TokenReview
            && pair.Primary == VerificationFailureReason.UnknownKey && pair.Secondary == VerificationFailureReason.None
            ? " (expected for a key excluded from discovery: kube verifies with it but never publishes it)"
            : "";
}
