using System.Diagnostics.CodeAnalysis;

namespace Verifier;

/// <summary>
/// The verdict on one token: either an <see cref="Identity"/> or a <see cref="Reason"/> with a short message.
/// Instances are immutable and may be shared between callers (the cache hands out the same instance).
/// </summary>
public sealed class TokenVerificationResult
{
    private TokenVerificationResult(ServiceAccountIdentity? identity, VerificationFailureReason reason, string? message, VerificationMode mode)
    {
        Identity = identity;
        Reason = reason;
        Message = message;
        Mode = mode;
    }

    /// <summary>The verified identity; non-null exactly when <see cref="Succeeded"/>.</summary>
    public ServiceAccountIdentity? Identity { get; }

    /// <summary><see cref="VerificationFailureReason.None"/> on success.</summary>
    public VerificationFailureReason Reason { get; }

    /// <summary>A short human-readable explanation; never contains the token. Null on success.</summary>
    public string? Message { get; }

    /// <summary>
    /// Which check decided: <see cref="VerificationMode.Local"/> when the offline checks (signature, issuer, audience,
    /// time, key set) decided, <see cref="VerificationMode.TokenReview"/> when the API server's answer did. In Hybrid
    /// mode a rejected binding is <see cref="VerificationMode.TokenReview"/>, a bad signature <see cref="VerificationMode.Local"/>,
    /// and an accepted token <see cref="VerificationMode.Local"/> (its identity is the offline one; the binding's
    /// liveness was confirmed). The configured mode is <see cref="VerifierStatus.Mode"/>.
    /// </summary>
    public VerificationMode Mode { get; }

    [MemberNotNullWhen(true, nameof(Identity))]
    public bool Succeeded => Identity is not null;

    /// <summary>True for failures that say nothing about the token (keys or API server unavailable, misconfiguration): HTTP 503, not 401.</summary>
    public bool IsTransient => Reason.IsTransient();

    public static TokenVerificationResult Success(ServiceAccountIdentity identity, VerificationMode mode = VerificationMode.Local)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new TokenVerificationResult(identity, VerificationFailureReason.None, null, mode);
    }

    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="reason"/> is <see cref="VerificationFailureReason.None"/>.</exception>
    public static TokenVerificationResult Failure(VerificationFailureReason reason, string message, VerificationMode mode = VerificationMode.Local)
    {
        if (reason == VerificationFailureReason.None)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), "A failure needs a reason other than None.");
        }

        return new TokenVerificationResult(null, reason, message, mode);
    }

    public override string ToString() => Succeeded
        ? $"Succeeded({Identity.Username}, {Mode})"
        : $"Failed({Reason}: {Message}, {Mode})";
}
