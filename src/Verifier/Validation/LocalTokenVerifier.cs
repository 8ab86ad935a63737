using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Local mode: every token is checked offline against the current key set. Hot path: size check → key set
/// usable → cache → validate → cache store; synchronous unless the token names an unknown kid, which waits for
/// (at most) one shared refresh.
/// </summary>
internal sealed partial class LocalTokenVerifier : IServiceAccountTokenVerifier, IDisposable
{
    private const string CacheTag = "result";

    private readonly KeyStore _keys;
    private readonly TokenValidator _validator;
    private readonly VerifiedTokenCache? _cache;
    private VerifiedTokenCache? _logHasher;
    private readonly long _successTtlTicks;
    private readonly long _failureTtlTicks;
    private readonly int _maxTokenBytes;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;
    private readonly ILogger _logger;

    public LocalTokenVerifier(KeyStore keys, IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time, VerifierMetrics metrics, ILogger<LocalTokenVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _keys = keys;
        _validator = new TokenValidator([.. value.Audiences], value.Validation);
        _maxTokenBytes = value.Validation.MaxTokenBytes;
        _successTtlTicks = value.Cache.SuccessTtl.Ticks;
        _failureTtlTicks = value.Cache.FailureTtl.Ticks;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        if (value.Cache.Enabled && (_successTtlTicks > 0 || _failureTtlTicks > 0))
        {
            _cache = new VerifiedTokenCache(value.Cache.MaxEntries, _validator.Audiences, metrics);
            keys.OnSnapshotSwapped(OnSnapshotSwapped);
        }
    }

    internal VerifiedTokenCache? Cache => _cache;

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        var started = _metrics.VerificationDurationEnabled ? _time.GetTimestamp() : 0;
        var pending = VerifyLocalAsync(token, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            Record(result, started);
            return new ValueTask<TokenVerificationResult>(result);
        }

        return AwaitAndRecordAsync(pending, started);
    }

    /// <summary>
    /// The local verdict without recording the <c>verifier.verifications</c> metric: for modes that wrap local
    /// verification (Hybrid, Shadow) and record their own. Completes synchronously except for unknown kids.
    /// </summary>
    internal ValueTask<TokenVerificationResult> VerifyLocalAsync(string token, CancellationToken cancellationToken = default)
    {
        var outcome = VerifyNow(token);
        return outcome.UnknownKeyId is { } keyId
            ? ResolveUnknownKeyAsync(token, keyId, outcome.Result, cancellationToken)
            : new ValueTask<TokenVerificationResult>(outcome.Result);
    }

    public VerifierStatus GetStatus() => _keys.GetStatus(VerificationMode.Local);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _keys.WaitUntilReadyAsync(cancellationToken);

    public void Dispose()
    {
        _cache?.Dispose();
        _logHasher?.Dispose();
    }

    private ValidationOutcome VerifyNow(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return ValidationOutcome.Failed(ValidationFailures.Empty);
        }

        // Before any decoding or hashing (a token is ASCII, so chars = bytes).
        if (token.Length > _maxTokenBytes)
        {
            return Rejected(ValidationOutcome.Failed(ValidationFailures.TooLarge));
        }

        var snapshot = _keys.Current;
        var now = _time.GetUtcNow();
        if (snapshot is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoKeys);
        }

        if (!_keys.IsUsable(snapshot, now))
        {
            return ValidationOutcome.Failed(ValidationFailures.KeysTooOld);
        }

        // One pooled buffer: the token's bytes, then scratch for the decoded header, payload and signature.
        var buffer = ArrayPool<byte>.Shared.Rent(token.Length + TokenValidator.ScratchLength(token.Length));
        try
        {
            var bytes = buffer.AsSpan(0, token.Length);
            if (Ascii.FromUtf16(token, bytes, out _) != System.Buffers.OperationStatus.Done)
            {
                return Rejected(ValidationOutcome.Failed(ValidationFailures.BadCharacter));
            }

            var nowTicks = now.UtcTicks;
            var key = default(TokenCacheKey);
            var cache = _cache;
            if (cache is not null)
            {
                key = cache.ComputeEntryKey(bytes);
                var hit = cache.TryGet(key, bytes, nowTicks, out var cached);
                _metrics.CacheLookup(CacheTag, hit);
                if (hit)
                {
                    return new ValidationOutcome(cached, null, null, 0);
                }
            }

            var outcome = _validator.Validate(bytes, buffer.AsSpan(token.Length), snapshot, now);
            if (cache is not null)
            {
                Store(cache, key, bytes, outcome, nowTicks);
            }

            return outcome.Result.Succeeded ? Accepted(outcome, bytes) : Rejected(outcome, bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Store(VerifiedTokenCache cache, in TokenCacheKey key, ReadOnlySpan<byte> token, in ValidationOutcome outcome, long nowTicks)
    {
        var result = outcome.Result;
        if (result.Succeeded)
        {
            if (_successTtlTicks > 0)
            {
                // Never past exp + leeway.
                var until = Math.Min(outcome.ValidUntilUtcTicks, nowTicks + _successTtlTicks);
                cache.Set(key, token, result, until, outcome.Key, nowTicks);
            }
        }
        else if (_failureTtlTicks > 0 && !result.IsTransient && result.Reason != VerificationFailureReason.UnknownKey)
        {
            // An unknown kid may become known with the next refresh: never cache it.
            cache.Set(key, token, result, nowTicks + _failureTtlTicks, null, nowTicks);
        }
    }

    private async ValueTask<TokenVerificationResult> ResolveUnknownKeyAsync(string token, string keyId, TokenVerificationResult unknown, CancellationToken cancellationToken)
    {
        var refresh = _keys.RefreshForUnknownKeyId(keyId);
        if (refresh is null)
        {
            return unknown;
        }

        var loaded = await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        var outcome = VerifyNow(token);

        // Only a fresh key set proves the kid unknown; after a failed fetch the cooldown alone limits retries.
        if (loaded && outcome.UnknownKeyId is { } stillUnknown)
        {
            _keys.RememberUnknownKeyId(stillUnknown);
        }

        return outcome.Result;
    }

    private async ValueTask<TokenVerificationResult> AwaitAndRecordAsync(ValueTask<TokenVerificationResult> pending, long started)
    {
        var result = await pending.ConfigureAwait(false);
        Record(result, started);
        return result;
    }

    private void Record(TokenVerificationResult result, long started)
    {
        var seconds = started == 0 ? 0 : _time.GetElapsedTime(started).TotalSeconds;
        _metrics.Verification(VerificationMode.Local, result.Reason, seconds);
    }

    private void OnSnapshotSwapped(KeySetSnapshot current, KeySetSnapshot? previous)
    {
        if (previous is null || _cache is null)
        {
            return;
        }

        var removed = _cache.RemoveEntriesOfKeysNotIn(current);
        if (removed > 0)
        {
            LogCacheEntriesDropped(removed, current.Origin);
        }
    }

    private ValidationOutcome Rejected(in ValidationOutcome outcome, ReadOnlySpan<byte> token = default)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var hash = token.IsEmpty ? "-" : ShortHash(token);
            LogTokenRejected(hash, outcome.Result.Reason, outcome.Result.Message ?? string.Empty, outcome.UnknownKeyId);
        }

        return outcome;
    }

    private ValidationOutcome Accepted(in ValidationOutcome outcome, ReadOnlySpan<byte> token)
    {
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            var identity = outcome.Result.Identity!;
            var hash = ShortHash(token);
            LogTokenAccepted(hash, identity.Namespace, identity.ServiceAccountName, identity.KeyId, identity.Issuer);
        }

        return outcome;
    }

    // Only when logging: the keyed hash of the whole token (the TokenReview caches' key), so log lines of one token
    // correlate across modes without revealing it.
    private string ShortHash(ReadOnlySpan<byte> token)
    {
        var hasher = _cache ?? LazyInitializer.EnsureInitialized(ref _logHasher, () => new VerifiedTokenCache(1, _validator.Audiences, _metrics));
        return hasher.ComputeKey(token).ToShortString();
    }
}
