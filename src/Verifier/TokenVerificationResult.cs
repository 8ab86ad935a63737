using System.Diagnostics.CodeAnalysis;

namespace Verifier;

/// <summary>
/// The verdict on one token: either an <see cref="Identity"/> or a <see cref="Reason"/> with a short message.
/// Instances are immutable and may be shared between callers (the cache hands out the same instance).
/// </summary>
public sealed class TokenVerificationResult
{
    private TokenVerificationResult? _relabelled;

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

    /// <summary>The mode that produced this verdict.</summary>
    public VerificationMode Mode { get; }

    [MemberNotNullWhen(true, nameof(Identity))]
    public bool Succeeded => Identity is not null;

    /// <summary>True for failures that say nothing about the token (keys or API server unavailable, misconfiguration): HTTP 503, not 401.</summary>
    public bool IsTransient => Reason is VerificationFailureReason.KeysUnavailable
        or VerificationFailureReason.ApiServerUnavailable
        or VerificationFailureReason.VerifierMisconfigured;

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

    /// <summary>The same verdict attributed to another mode (used by hybrid and shadow, which wrap others).</summary>
    /// <remarks>
    /// The copy is remembered on this instance: cached results are shared, so a wrapping mode relabels each cached
    /// verdict once instead of allocating on every hit. A race may build two equal copies; either is correct.
    /// </remarks>
    public TokenVerificationResult WithMode(VerificationMode mode)
    {
        if (mode == Mode)
        {
            return this;
        }

        var relabelled = Volatile.Read(ref _relabelled);
        if (relabelled is null || relabelled.Mode != mode)
        {
            relabelled = new TokenVerificationResult(Identity, Reason, Message, mode);
            Volatile.Write(ref _relabelled, relabelled);
        }

        return relabelled;
    }

    public override string ToString() => Succeeded
        ? $"Succeeded({Identity.Username}, {Mode})"
        : $"Failed({Reason}: {Message}, {Mode})";
}
