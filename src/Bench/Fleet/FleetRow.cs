namespace Bench.Fleet;

/// <summary>One phase of one measurement: a mode, a deployment shape and how many verifiers.</summary>
/// <param name="Mode">local, hybrid, tokenreview, shadow, watch.</param>
/// <param name="Shape"><c>verifiers</c> (one verifier per replica) or <c>sidecar</c> (the replicas' calls through one verifier's HTTP endpoint).</param>
/// <param name="Instances">Verifier replicas (for <c>sidecar</c>: the app replicas calling the one verifier).</param>
/// <param name="Phase"><c>start</c>, <c>first pass</c>, <c>steady</c>, <c>rotation</c>.</param>
/// <param name="Api">The API server's own counts for the phase.</param>
/// <param name="ClientRequests">Requests the verifiers' HTTP clients had answered in the phase (a handler on the named client).</param>
/// <param name="EmulatedSeconds">The phase's length on the shared clock (steady state only, else 0).</param>
/// <param name="Verifications">Verifications made in the phase.</param>
/// <param name="Failures">Verifications that did not succeed (every token of the run is valid).</param>
/// <param name="Kinds">Lists, list bytes and watches per resource in the phase (watch mode; empty for the others).</param>
/// <param name="OpenStreams">Watch streams open at the API server when the phase ended (<c>LocalApiServer.OpenWatchCount</c>).</param>
internal sealed record FleetRow(
    string Mode,
    string Shape,
    int Instances,
    string Phase,
    ApiTally Api,
    long ClientRequests,
    double EmulatedSeconds,
    long Verifications,
    long Failures,
    IReadOnlyDictionary<string, KindCounts> Kinds,
    int OpenStreams)
{
    /// <summary>Only on <c>start</c> rows: host start to ready (first key set; watch mode: and every stream listed), median and maximum over the instances.</summary>
    public (double MedianMs, double MaxMs)? Ready { get; init; }

    /// <summary>The verifiers that put load on the API server: every replica, or the one sidecar.</summary>
    public int Verifiers => Shape == FleetRun.SidecarShape ? 1 : Instances;

    /// <summary>API requests per verifier per second (steady) or per verifier (other phases).</summary>
    public double PerVerifier => EmulatedSeconds > 0 ? Api.Requests / (double)Verifiers / EmulatedSeconds : Api.Requests / (double)Verifiers;
}
