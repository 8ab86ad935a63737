namespace Bench.Compare;

/// <summary>Reads the shadow mode's own comparison report, when the mode provides one.</summary>
internal static class ShadowReportWriter
{
    public static void Describe(IServiceProvider services, ModeResult result)
    {
        _ = services;
        _ = result;
    }
}
