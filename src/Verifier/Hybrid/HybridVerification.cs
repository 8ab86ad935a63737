using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;
using Verifier.TokenReview;

namespace Verifier.Hybrid;

/// <summary>
/// Hybrid mode: local verification first; a token that fails locally is rejected with no API call. A token that
/// passes has its binding (<see cref="BindingKey"/>) confirmed by a TokenReview of that token at most once per
/// binding per <see cref="HybridOptions.LivenessTtl"/>, shared by every token of the binding and every concurrent
/// request (single flight per binding). A binding the API server declares invalid is rejected with
/// <see cref="VerificationFailureReason.BindingInvalidated"/> and remembered for the TTL. Without an answer from the
/// API server it fails closed, unless <see cref="HybridOptions.OutageGrace"/> keeps a recently confirmed binding.
/// </summary>
/// <remarks>
/// Why reviewing one token of a binding speaks for all of them: each token's signature, issuer, audience and time
/// were checked locally, against the same keys the API server publishes. What is left of kube-apiserver's
/// validation (docs/kube-apiserver.md §4, steps 6-9) looks up the service account and the bound object and compares their uids
/// and deletion timestamps, and reads nothing else of the token. Tokens of one binding carry the same service
/// account and object uids, so that part answers the same for each. When the reviewed token is rejected for a
/// reason of its own (its expiry at the API server's clock, an audience or key the API server no longer accepts),
/// that verdict is kept for that token only and the binding stays unconfirmed.
/// </remarks>
internal sealed partial class HybridVerification : IVerificationStrategy
{
    private const string CacheName = "binding";

    private readonly IVerificationStrategy _local;
    private readonly TokenReviewer _reviewer;
    private readonly TokenHasher _hasher;
    private readonly VerifierMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _livenessTtl;
    private readonly TimeSpan _outageGrace;
    private readonly ExpiringCache<BindingKey, BindingState> _bindings;
    private readonly SingleFlight<BindingKey, BindingConfirmation> _flights = new();

    public HybridVerification(
        IVerificationStrategy local,
        TokenReviewer reviewer,
        TokenHasher hasher,
        HybridOptions options,
        VerifierMetrics metrics,
        TimeProvider time,
        ILogger<HybridVerification> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _local = local;
        _reviewer = reviewer;
        _hasher = hasher;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _livenessTtl = options.LivenessTtl;
        _outageGrace = options.OutageGrace;
        _bindings = new ExpiringCache<BindingKey, BindingState>(CacheName, options.MaxBindings, time, metrics);
    }

    /// <summary>Bindings remembered right now. Internal for testing.</summary>
    internal int BindingCount => _bindings.Count;

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var local = _local.VerifyAsync(token, cancellationToken);
        return local.IsCompletedSuccessfully
            ? AfterLocal(local.Result, token, cancellationToken)
            : AwaitLocalAsync(local, token, cancellationToken);
    }

    public VerifierStatus GetStatus() => _local.GetStatus() with
    {
        ApiServerHealthy = _reviewer.ApiServerHealthy,
        LastApiServerError = _reviewer.LastError,
    };

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _local.WaitUntilReadyAsync(cancellationToken);

    /// <summary>
    /// Drops every remembered verdict on a binding of the object (service account, pod, secret or node) with
    /// <paramref name="uid"/>: watch mode calls it when the watch shows the object deleted or replaced.
    /// </summary>
    internal void ForgetObject(string uid)
    {
        if (_bindings.Count > 0)
        {
            _bindings.RemoveWhere(uid, static (key, uid) => key.ObjectUid == uid || key.ServiceAccountUid == uid, "object_gone");
        }
    }

    private async ValueTask<TokenVerificationResult> AwaitLocalAsync(ValueTask<TokenVerificationResult> local, string token, CancellationToken cancellationToken) =>
        await AfterLocal(await local.ConfigureAwait(false), token, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The binding check for a token already verified locally (<paramref name="local"/>, success or failure): watch
    /// mode's fallback enters here.
    /// </summary>
    internal ValueTask<TokenVerificationResult> AfterLocal(TokenVerificationResult local, string token, CancellationToken cancellationToken)
    {
        if (!local.Succeeded)
        {
            return new(local);
        }

        var key = BindingKey.For(local.Identity, token, _hasher);
        if (_bindings.TryGet(key, out var state) && state.VerdictExpiresAt > _time.GetUtcNow())
        {
            _metrics.CacheLookup(CacheName, hit: true);
            return new(state.Rejection ?? local);
        }

        _metrics.CacheLookup(CacheName, hit: false);
        return ConfirmAsync(local, token, key, cancellationToken);
    }

    private async ValueTask<TokenVerificationResult> ConfirmAsync(TokenVerificationResult local, string token, BindingKey key, CancellationToken cancellationToken)
    {
        var flight = _flights.RunAsync(key, (Verifier: this, Token: token, Key: key, Identity: local.Identity!), static s => s.Verifier.ReviewBindingAsync(s.Token, s.Key, s.Identity));
        var confirmation = cancellationToken.CanBeCanceled
            ? await flight.WaitAsync(cancellationToken).ConfigureAwait(false)
            : await flight.ConfigureAwait(false);

        if (confirmation.Kind == BindingConfirmationKind.TokenRejected && confirmation.ReviewedToken != token)
        {
            // We joined a flight for another token of this binding, and that token was rejected for a reason of
            // its own: it says nothing about ours, so ours gets its own review (rare: never in steady state).
            confirmation = await ReviewBindingAsync(token, key, local.Identity!).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Verdict(confirmation, local);
    }

    private static TokenVerificationResult Verdict(BindingConfirmation confirmation, TokenVerificationResult local) => confirmation.Kind switch
    {
        BindingConfirmationKind.Live => local,
        BindingConfirmationKind.Invalidated or BindingConfirmationKind.TokenRejected => confirmation.Verdict!,
        BindingConfirmationKind.Misconfigured => TokenVerificationResult.Failure(
            VerificationFailureReason.VerifierMisconfigured, "the API server refused the verifier's TokenReview request: " + confirmation.Error, VerificationMode.TokenReview),
        _ => TokenVerificationResult.Failure(
            VerificationFailureReason.ApiServerUnavailable, "the API server could not confirm the token's binding: " + confirmation.Error, VerificationMode.TokenReview),
    };

    private async Task<BindingConfirmation> ReviewBindingAsync(string token, BindingKey key, ServiceAccountIdentity identity)
    {
        // Measured from before the review: whatever the answer, it was true no earlier than this.
        var now = _time.GetUtcNow();

        // An earlier flight may have settled this binding between our cache miss and this flight's start.
        var remembered = _bindings.TryGet(key, out var known);
        if (remembered && known.VerdictExpiresAt > now)
        {
            return known.Rejection is { } rejection
                ? new BindingConfirmation(BindingConfirmationKind.Invalidated, token, rejection, null)
                : new BindingConfirmation(BindingConfirmationKind.Live, token, null, null);
        }

        // A legacy token has no aud: kube-apiserver checks it against its own API audiences, so asking for ours would
        // fail on the audience step. Its audience policy was applied locally; here only liveness is asked.
        var outcome = await _reviewer.ReviewUncachedAsync(token, key.Kind == BindingKind.LegacySecret ? [] : null).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case TokenReviewOutcomeKind.Authenticated when outcome.User!.Username != identity.Username:
                // The API server authenticated someone else than the token says: not a confirmation of this binding.
                return new BindingConfirmation(
                    BindingConfirmationKind.TokenRejected,
                    token,
                    TokenVerificationResult.Failure(
                        VerificationFailureReason.NotAuthenticated,
                        $"TokenReview authenticated \"{outcome.User.Username}\", but the token is {identity.Username}'s",
                        VerificationMode.TokenReview),
                    null);

            case TokenReviewOutcomeKind.Authenticated:
                // Kept past the TTL for as long as the outage grace may need the confirmation time.
                _bindings.Set(key, new BindingState(now, now + _livenessTtl, null), _livenessTtl + _outageGrace);
                return new BindingConfirmation(BindingConfirmationKind.Live, token, null, null);

            case TokenReviewOutcomeKind.NotAuthenticated when TokenReviewErrors.IsBindingInvalidation(outcome.Error):
                var rejection = TokenVerificationResult.Failure(VerificationFailureReason.BindingInvalidated, outcome.Error!, VerificationMode.TokenReview);
                _bindings.Set(key, new BindingState(null, now + _livenessTtl, rejection), _livenessTtl);
                LogBindingInvalidated(_logger, identity.Namespace, identity.ServiceAccountName, key.Kind, outcome.Error);
                return new BindingConfirmation(BindingConfirmationKind.Invalidated, token, rejection, null);

            case TokenReviewOutcomeKind.NotAuthenticated:
                return new BindingConfirmation(BindingConfirmationKind.TokenRejected, token, TokenReviewVerification.ToVerdict(outcome), null);

            case TokenReviewOutcomeKind.Misconfigured:
                return new BindingConfirmation(BindingConfirmationKind.Misconfigured, token, null, outcome.Error);

            default:
                return WithinGrace(key, remembered ? known : null, now, identity)
                    ? new BindingConfirmation(BindingConfirmationKind.Live, token, null, null)
                    : new BindingConfirmation(BindingConfirmationKind.Unavailable, token, null, outcome.Error);
        }
    }

    /// <summary>
    /// With <see cref="HybridOptions.OutageGrace"/>: true when the binding's last verdict was live and confirmed at most
    /// the grace ago. The verdict is then extended to min(now + TTL, confirmation + grace), so during an outage each
    /// binding costs one attempt (and one warning) per TTL, and never outlives the grace.
    /// </summary>
    private bool WithinGrace(BindingKey key, BindingState? known, DateTimeOffset now, ServiceAccountIdentity identity)
    {
        if (_outageGrace <= TimeSpan.Zero || known is not { Rejection: null, ConfirmedAt: { } confirmedAt })
        {
            return false;
        }

        var age = now - confirmedAt;
        if (age > _outageGrace)
        {
            return false;
        }

        var graceEnds = confirmedAt + _outageGrace;
        var extendedTo = now + _livenessTtl < graceEnds ? now + _livenessTtl : graceEnds;
        _bindings.Set(key, known with { VerdictExpiresAt = extendedTo }, confirmedAt + _livenessTtl + _outageGrace - now);
        LogGraceUsed(_logger, identity.Namespace, identity.ServiceAccountName, key.Kind, age.TotalSeconds);
        return true;
    }
}
