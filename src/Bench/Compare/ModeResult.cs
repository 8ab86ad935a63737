using Verifier;

namespace Bench.Compare;

/// <summary>What one mode did with the corpus and under load.</summary>
internal sealed class ModeResult(ModeConfiguration mode)
{
    public ModeConfiguration Mode { get; } = mode;

    /// <summary>Per token, in corpus order: accepted, and the failure reason when not.</summary>
    public List<(bool Accepted, VerificationFailureReason Reason)> Verdicts { get; } = [];

    public List<Measurement> Measurements { get; } = [];

    /// <summary>TokenReview requests this mode sent during the agreement pass (each corpus token verified once).</summary>
    public long AgreementPassApiRequests { get; set; }

    /// <summary>Every API-server request this mode sent during the agreement pass (TokenReviews, and for watch mode any relist or reconnect).</summary>
    public long AgreementPassAllApiRequests { get; set; }

    /// <summary>API-server requests from the host's start until it was ready (and, in watch mode, synced): keys, lists, watches.</summary>
    public long StartupApiRequests { get; set; }

    /// <summary>Watch mode: seconds from the host's start until every stream had listed; null for other modes or when it did not sync within 30 s.</summary>
    public double? WatchSyncSeconds { get; set; }

    /// <summary>Watch requests (<c>watch=true</c>) this mode's verifier sent over the whole mode.</summary>
    public long WatchRequests { get; set; }

    /// <summary>Watch streams the API server held open for this one verifier after the load measurements; null when it cannot tell.</summary>
    public int? WatchStreamsOpen { get; set; }

    /// <summary>Deletion (past the leeway) to first rejection; null when the probe does not apply or the target cannot run it.</summary>
    public RevocationResult? Revocation { get; set; }

    /// <summary>Shadow mode only: its own report of (primary, secondary) verdict pairs, rendered as text lines.</summary>
    public List<string> ShadowReport { get; } = [];
}
