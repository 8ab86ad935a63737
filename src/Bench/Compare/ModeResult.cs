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

    /// <summary>Shadow mode only: its own report of (primary, secondary) verdict pairs, rendered as text lines.</summary>
    public List<string> ShadowReport { get; } = [];
}
