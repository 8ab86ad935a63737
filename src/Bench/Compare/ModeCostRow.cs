namespace Bench.Compare;

/// <summary>One mode's cost and revocation figures (see <see cref="ModeResult"/>).</summary>
internal sealed record ModeCostRow(
    string Mode,
    double ApiRequestsPerThousand,
    double TokenReviewsPerThousand,
    long StartupApiRequests,
    long AgreementPassTokenReviews,
    long AgreementPassApiRequests,
    double? WatchSyncSeconds,
    long WatchRequests,
    int? WatchStreamsOpen,
    RevocationResult? Revocation)
{
    public static ModeCostRow From(ModeResult r)
    {
        var operations = Math.Max(1, r.Measurements.Sum(static m => m.Operations));
        return new ModeCostRow(
            r.Mode.Name,
            Math.Round(r.Measurements.Sum(static m => m.AllApiRequests) * 1000.0 / operations, 3),
            Math.Round(r.Measurements.Sum(static m => m.ApiRequests) * 1000.0 / operations, 3),
            r.StartupApiRequests,
            r.AgreementPassApiRequests,
            r.AgreementPassAllApiRequests,
            r.WatchSyncSeconds,
            r.WatchRequests,
            r.WatchStreamsOpen,
            r.Revocation);
    }
}
