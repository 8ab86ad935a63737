using Verifier.Validation;

namespace Verifier.Modes;

/// <summary>
/// Local verification as a building block of another mode: the same verdicts, without recording
/// <c>verifier.verifications</c> (hybrid records one per request under its own mode; shadow's secondary records none).
/// </summary>
internal sealed class UnrecordedLocalVerifier(LocalTokenVerifier local) : IServiceAccountTokenVerifier
{
    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default) =>
        local.VerifyLocalAsync(token, cancellationToken);

    public VerifierStatus GetStatus() => local.GetStatus();

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => local.WaitUntilReadyAsync(cancellationToken);
}
