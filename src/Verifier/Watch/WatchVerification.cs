using Verifier.Diagnostics;
using Verifier.Hybrid;

namespace Verifier.Watch;

/// <summary>
/// Watch mode: local verification first (a local failure is final, with no API call); for a locally valid token,
/// kube-apiserver's liveness rules (docs/kube-apiserver.md §4, steps 6-9) answered from <see cref="BoundObjectIndex"/>.
/// Where the index cannot vouch for the binding (not synced, stream lost for longer than
/// <see cref="WatchOptions.MaxLag"/>, a kind or namespace not watched, an object it has never seen, legacy tokens)
/// the token goes to <see cref="HybridVerification"/>: TokenReview once per binding per liveness TTL, fail-closed
/// (<see cref="VerificationFailureReason.ApiServerUnavailable"/>, transient) without an answer. An unknown binding is
/// never accepted silently.
/// </summary>
/// <remarks>
/// No combined verdict is cached: the local result cache holds only offline verdicts (still true whatever the
/// cluster does) and the index is consulted after every hit, so a deletion or replacement the watch reports takes
/// effect on the next verification. The hybrid fallback's confirmations are evicted by cause: the index raises
/// <see cref="BoundObjectIndex.ObjectGone"/> when an object is deleted, replaced, or passes its deletion leeway
/// (a timer on the shared <see cref="TimeProvider"/>), and the index is asked before the fallback's cache anyway.
/// </remarks>
internal sealed class WatchVerification : IVerificationStrategy, IDisposable
{
    private readonly IVerificationStrategy _local;
    private readonly HybridVerification _fallback;
    private readonly BoundObjectIndex _index;
    private readonly VerifierMetrics _metrics;
    private readonly TimeProvider _time;

    public WatchVerification(IVerificationStrategy local, HybridVerification fallback, BoundObjectIndex index, VerifierMetrics metrics, TimeProvider time)
    {
        _local = local;
        _fallback = fallback;
        _index = index;
        _metrics = metrics;
        _time = time;
        _index.ObjectGone += _fallback.ForgetObject;
    }

    /// <summary>The index behind this mode. Internal for testing.</summary>
    internal BoundObjectIndex Index => _index;

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var local = _local.VerifyAsync(token, cancellationToken);
        return local.IsCompletedSuccessfully
            ? AfterLocal(local.Result, token, cancellationToken)
            : AwaitLocalAsync(local, token, cancellationToken);
    }

    public VerifierStatus GetStatus()
    {
        var now = _time.GetUtcNow();
        return _fallback.GetStatus() with
        {
            WatchSynced = _index.IsSynced && _index.IsTrusted(now),
            WatchLag = _index.Lag(now),
        };
    }

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _local.WaitUntilReadyAsync(cancellationToken);

    public void Dispose() => _index.ObjectGone -= _fallback.ForgetObject;

    private async ValueTask<TokenVerificationResult> AwaitLocalAsync(ValueTask<TokenVerificationResult> local, string token, CancellationToken cancellationToken) =>
        await AfterLocal(await local.ConfigureAwait(false), token, cancellationToken).ConfigureAwait(false);

    private ValueTask<TokenVerificationResult> AfterLocal(TokenVerificationResult local, string token, CancellationToken cancellationToken)
    {
        if (!local.Succeeded)
        {
            return new(local);
        }

        switch (_index.Check(local.Identity, _time.GetUtcNow(), out var rejection))
        {
            case LivenessVerdict.Live:
                return new(local);
            case LivenessVerdict.Invalidated:
                return new(rejection!);
            case LivenessVerdict.Unseen:
                _metrics.WatchFallback("unseen");
                return _fallback.AfterLocal(local, token, cancellationToken);
            default:
                _metrics.WatchFallback("not_trusted");
                return _fallback.AfterLocal(local, token, cancellationToken);
        }
    }
}
