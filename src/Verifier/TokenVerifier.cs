using System.Text;
using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;
using Verifier.Validation;

namespace Verifier;

/// <summary>
/// The one <see cref="IServiceAccountTokenVerifier"/>: every token, in every mode, passes here. It does the entry
/// checks once (empty, size, ASCII; one message per reason), asks the mode's <see cref="IVerificationStrategy"/>
/// (chosen in <see cref="VerificationModeSelection"/>), records <c>verifier.verifications</c> and its duration once,
/// and writes one Debug line per verdict (reason, message, kid, which check decided, a short keyed hash of the token).
/// </summary>
/// <remarks>
/// "Why was my token rejected?": this file, then the strategy (<c>Validation/LocalVerification</c>,
/// <c>TokenReview/TokenReviewVerification</c>, <c>Hybrid/HybridVerification</c>, <c>Shadow/ShadowVerification</c>),
/// then <c>Validation/TokenValidator</c> for an offline verdict. The synchronous fast path (a cache hit, a local
/// verification) stays synchronous and allocation-free.
/// </remarks>
internal sealed partial class TokenVerifier : IServiceAccountTokenVerifier, IDisposable
{
    private readonly IVerificationStrategy _strategy;
    private readonly VerificationMode _mode;
    private readonly int _maxTokenBytes;
    private readonly TokenHasher _hasher;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;
    private int _disposed;

    public TokenVerifier(
        IVerificationStrategy strategy,
        VerificationMode mode,
        ValidationOptions validation,
        TokenHasher hasher,
        TimeProvider time,
        VerifierMetrics metrics,
        ILogger<TokenVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(validation);
        _strategy = strategy;
        _mode = mode;
        _maxTokenBytes = validation.MaxTokenBytes;
        _hasher = hasher;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The strategy behind this verifier. Internal for testing.</summary>
    internal IVerificationStrategy Strategy => _strategy;

    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/> (the host stopped).</exception>
    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            // Never start work (a fetch, a TokenReview) for a caller that is already gone.
            return ValueTask.FromCanceled<TokenVerificationResult>(cancellationToken);
        }

        var started = _metrics.VerificationDurationEnabled ? _time.GetTimestamp() : 0;
        if (CheckEntry(token) is { } rejected)
        {
            return new(Finish(rejected, token, started));
        }

        var pending = _strategy.VerifyAsync(token, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new(Finish(pending.Result, token, started))
            : FinishAsync(pending, token, started);
    }

    public VerifierStatus GetStatus()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _strategy.GetStatus() with { Mode = _mode };
    }

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _strategy.WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>Idempotent. Verifications in flight end with a verdict or <see cref="OperationCanceledException"/>; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _strategy is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>
    /// The checks every mode makes before anything else, so junk costs neither decoding, hashing nor a round trip.
    /// A token is ASCII (base64url and dots), so its length in chars is its length in bytes.
    /// </summary>
    private TokenVerificationResult? CheckEntry(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return ValidationFailures.Empty;
        }

        if (token.Length > _maxTokenBytes)
        {
            return ValidationFailures.TooLarge;
        }

        return Ascii.IsValid(token) ? null : ValidationFailures.BadCharacter;
    }

    private async ValueTask<TokenVerificationResult> FinishAsync(ValueTask<TokenVerificationResult> pending, string token, long started) =>
        Finish(await pending.ConfigureAwait(false), token, started);

    private TokenVerificationResult Finish(TokenVerificationResult result, string? token, long started)
    {
        _metrics.Verification(_mode, result.Reason, started == 0 ? 0 : _time.GetElapsedTime(started).TotalSeconds);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogVerdict(result, token);
        }

        return result;
    }
}
