using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;

namespace Verifier.Shadow;

/// <summary>
/// Shadow mode: returns the primary mode's verdict unchanged (its <see cref="TokenVerificationResult.Mode"/> still
/// names the mode that decided) and, for a sampled fraction of tokens, runs the secondary mode off the hot path to
/// count how the two compare. At most <see cref="ShadowOptions.MaxConcurrency"/> comparisons run at once; samples
/// beyond that are skipped and counted. Disagreements are logged with both reasons, never the token.
/// </summary>
internal sealed partial class ShadowVerification : IVerificationStrategy, IDisposable
{
    private readonly IVerificationStrategy _primary;
    private readonly IVerificationStrategy _secondary;
    private readonly ShadowComparisonRecorder _recorder;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ShadowSampler _sampler;
    private readonly int _maxConcurrency;
    private readonly VerificationMode _primaryMode;
    private readonly VerificationMode _secondaryMode;
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;

    public ShadowVerification(
        IVerificationStrategy primary,
        IVerificationStrategy secondary,
        ShadowComparisonRecorder recorder,
        ShadowOptions options,
        VerifierMetrics metrics,
        ILogger<ShadowVerification> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _primary = primary;
        _secondary = secondary;
        _recorder = recorder;
        _metrics = metrics;
        _logger = logger;
        _sampler = new ShadowSampler(options.SampleRate);
        _maxConcurrency = options.MaxConcurrency;
        _primaryMode = options.Primary;
        _secondaryMode = options.Secondary;
    }

    /// <summary>Comparisons running now. Internal for testing.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var primary = _primary.VerifyAsync(token, cancellationToken);
        if (!primary.IsCompletedSuccessfully)
        {
            return AwaitPrimaryAsync(primary, token);
        }

        var result = primary.Result;
        Sample(token, result);
        return new(result);
    }

    public VerifierStatus GetStatus()
    {
        var primary = _primary.GetStatus();
        var secondary = _secondary.GetStatus();
        var keys = primary.KeysFetchedAt is null && secondary.KeysFetchedAt is not null ? secondary : primary;
        return primary with
        {
            KeysFetchedAt = keys.KeysFetchedAt,
            KeyCount = keys.KeyCount,
            KeysStale = keys.KeysStale,
            KeysExpired = keys.KeysExpired,
            LastKeyRefreshError = keys.LastKeyRefreshError,
            ApiServerHealthy = primary.ApiServerHealthy ?? secondary.ApiServerHealthy,
            LastApiServerError = primary.LastApiServerError ?? secondary.LastApiServerError,
        };
    }

    /// <summary>The primary's readiness: the secondary is only sampled, and a sample before it is ready is inconclusive.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _primary.WaitUntilReadyAsync(cancellationToken);

    /// <summary>Drops comparisons in flight. The token source is only cancelled: comparisons still running read its token.</summary>
    public void Dispose() => _stopping.Cancel();

    private async ValueTask<TokenVerificationResult> AwaitPrimaryAsync(ValueTask<TokenVerificationResult> primary, string token)
    {
        var result = await primary.ConfigureAwait(false);
        Sample(token, result);
        return result;
    }

    private void Sample(string token, TokenVerificationResult primary)
    {
        if (!_sampler.ShouldSample() || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (Interlocked.Increment(ref _inFlight) > _maxConcurrency)
        {
            Interlocked.Decrement(ref _inFlight);
            _recorder.Skipped();
            LogSkipped(_logger, _maxConcurrency);
            return;
        }

        _ = CompareAsync(token, primary);
    }

    private async Task CompareAsync(string token, TokenVerificationResult primary)
    {
        try
        {
            // Leave the request's thread before doing any of the secondary's work.
            await Task.Yield();
            var secondary = await _secondary.VerifyAsync(token, _stopping.Token).ConfigureAwait(false);
            _stopping.Token.ThrowIfCancellationRequested();

            // Details first, the pair count last: a reader that sees the comparison counted also sees its details.
            var outcome = ShadowComparisonRecorder.Classify(primary.Reason, secondary.Reason);
            if (outcome == ShadowComparisonOutcome.Disagreed)
            {
                var identity = primary.Identity ?? secondary.Identity;
                LogDisagreement(_logger, identity?.Username, _primaryMode, primary.Reason, primary.Message, _secondaryMode, secondary.Reason, secondary.Message);
            }
            else if (primary.Succeeded && secondary.Succeeded && !SameIdentity(primary.Identity, secondary.Identity))
            {
                _recorder.IdentityMismatch();
                LogIdentityMismatch(_logger, primary.Identity.Username, primary.Identity.PodName, secondary.Identity.Username, secondary.Identity.PodName);
            }

            _metrics.ShadowComparison(primary.Reason, secondary.Reason, ShadowComparisonRecorder.AgreementTag(outcome));
            _recorder.Record(primary.Reason, secondary.Reason);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the comparison is simply dropped.
        }
#pragma warning disable CA1031 // Fire-and-forget: an escaping exception would be unobserved; count and log it instead.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _recorder.Failed();
            LogComparisonFailed(_logger, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The fields both local and TokenReview verification can know (TokenReview cannot see iss, kid, times or secret claims).</summary>
    private static bool SameIdentity(ServiceAccountIdentity a, ServiceAccountIdentity b) =>
        a.Username == b.Username
        && a.ServiceAccountUid == b.ServiceAccountUid
        && a.PodUid == b.PodUid
        && a.NodeName == b.NodeName
        && a.TokenId == b.TokenId;
}
