namespace Verifier;

/// <summary>
/// Decides whether a Kubernetes service-account token is genuine, meant for this service, current and
/// (in the modes that consult the API server) still bound to a live object.
/// </summary>
/// <remarks>
/// A bad token is a failed <see cref="TokenVerificationResult"/>, never an exception. Exceptions are
/// reserved for cancellation by the caller's token and for bugs.
/// </remarks>
public interface IServiceAccountTokenVerifier
{
    /// <summary>Verifies <paramref name="token"/> (the raw JWT, without a <c>Bearer </c> prefix).</summary>
    ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>A point-in-time view of keys and API-server health, for health checks and diagnostics.</summary>
    VerifierStatus GetStatus();

    /// <summary>Completes once the first key set is loaded (immediately in pure TokenReview mode).</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires first.</exception>
    Task WaitUntilReadyAsync(CancellationToken cancellationToken = default);
}
