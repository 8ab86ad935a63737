using System.Buffers;
using System.Text;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Local mode: every token is checked offline against the current key set. Hot path: key set usable → cache (a hit
/// proves its key is still in the key set) → <see cref="TokenValidator"/> → cache store; synchronous unless the token
/// names a kid the key set lacks, which <see cref="KeyStore.ResolveUnknownKeyIdAsync"/> answers (at most one shared
/// refresh; 401 only once a key set fetched since the kid was first seen lacks it, 503 until then).
/// </summary>
internal sealed class LocalVerification : IVerificationStrategy
{
    private const string CacheTag = "result";

    // A token's kid missing from key sets that keep changing under it: give up after this many re-validations.
    private const int MaxRevalidations = 3;

    private readonly KeyStore _keys;
    private readonly TokenValidator _validator;
    private readonly TokenHasher _hasher;
    private readonly VerifiedTokenCache? _cache;
    private readonly long _successTtlTicks;
    private readonly long _failureTtlTicks;
    private readonly TimeProvider _time;
    private readonly VerifierMetrics _metrics;

    public LocalVerification(KeyStore keys, TokenHasher hasher, IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time, VerifierMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _keys = keys;
        _hasher = hasher;
        _validator = new TokenValidator([.. value.Audiences], value.Validation);
        _successTtlTicks = value.Cache.SuccessTtl.Ticks;
        _failureTtlTicks = value.Cache.FailureTtl.Ticks;
        _time = time;
        _metrics = metrics;
        if (value.Cache.Enabled && (_successTtlTicks > 0 || _failureTtlTicks > 0))
        {
            _cache = new VerifiedTokenCache(value.Cache.MaxEntries, metrics);
        }
    }

    /// <summary>The result cache; null when caching is off. Internal for testing.</summary>
    internal VerifiedTokenCache? Cache => _cache;

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var snapshot = _keys.Current;
        var outcome = VerifyNow(token, snapshot);
        return outcome.UnknownKeyId is { } keyId
            ? ResolveUnknownKeyAsync(token, keyId, outcome.Result, snapshot!, cancellationToken)
            : new ValueTask<TokenVerificationResult>(outcome.Result);
    }

    public VerifierStatus GetStatus() => _keys.GetStatus(VerificationMode.Local);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _keys.WaitUntilReadyAsync(cancellationToken);

    private ValidationOutcome VerifyNow(string token, KeySetSnapshot? snapshot)
    {
        var now = _time.GetUtcNow();
        if (snapshot is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoKeys);
        }

        if (!snapshot.IsUsableAt(now))
        {
            return ValidationOutcome.Failed(ValidationFailures.KeysTooOld);
        }

        // One pooled buffer: the token's bytes, then scratch for the decoded header, payload and signature.
        var buffer = ArrayPool<byte>.Shared.Rent(token.Length + TokenValidator.ScratchLength(token.Length));
        try
        {
            var bytes = buffer.AsSpan(0, token.Length);
            if (Ascii.FromUtf16(token, bytes, out _) != OperationStatus.Done)
            {
                return ValidationOutcome.Failed(ValidationFailures.BadCharacter);
            }

            var nowTicks = now.UtcTicks;
            var key = default(TokenHash);
            var cache = _cache;
            if (cache is not null)
            {
                key = _hasher.ComputeOfSignature(bytes);
                var hit = cache.TryGet(key, bytes, snapshot, nowTicks, out var cached);
                _metrics.CacheLookup(CacheTag, hit);
                if (hit)
                {
                    return new ValidationOutcome(cached, null, null, 0);
                }
            }

            var outcome = _validator.Validate(bytes, buffer.AsSpan(token.Length), snapshot, now);
            if (cache is not null)
            {
                Store(cache, key, bytes, outcome, snapshot, nowTicks);
            }

            return outcome;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Store(VerifiedTokenCache cache, in TokenHash key, ReadOnlySpan<byte> token, in ValidationOutcome outcome, KeySetSnapshot snapshot, long nowTicks)
    {
        var result = outcome.Result;
        if (result.Succeeded)
        {
            if (_successTtlTicks > 0)
            {
                // Never past exp + leeway.
                cache.Set(key, token, result, Math.Min(outcome.ValidUntilUtcTicks, nowTicks + _successTtlTicks), snapshot, outcome.Key, nowTicks);
            }
        }
        else if (_failureTtlTicks > 0 && !result.IsTransient && result.Reason != VerificationFailureReason.UnknownKey)
        {
            // An unknown kid may become known with the next refresh: never cached. A failure holds for its snapshot
            // only (the cache checks), and never past the instant it would end by itself (a token not valid yet).
            cache.Set(key, token, result, Math.Min(outcome.ValidUntilUtcTicks, nowTicks + _failureTtlTicks), snapshot, null, nowTicks);
        }
    }

    private async ValueTask<TokenVerificationResult> ResolveUnknownKeyAsync(
        string token, string keyId, TokenVerificationResult unknown, KeySetSnapshot seenIn, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxRevalidations; attempt++)
        {
            var answer = await _keys.ResolveUnknownKeyIdAsync(keyId, seenIn, cancellationToken).ConfigureAwait(false);
            switch (answer.Kind)
            {
                case UnknownKeyIdAnswerKind.Unknown:
                    return unknown;
                case UnknownKeyIdAnswerKind.Unavailable:
                    return TokenVerificationResult.Failure(VerificationFailureReason.KeysUnavailable, answer.Detail!, VerificationMode.Local);
                default:
                    // Only a changed key set can change the verdict (IdentityModel re-validates only then, too).
                    seenIn = answer.Snapshot!;
                    var outcome = VerifyNow(token, seenIn);
                    if (outcome.UnknownKeyId is not { } stillUnknown)
                    {
                        return outcome.Result;
                    }

                    keyId = stillUnknown;
                    unknown = outcome.Result;
                    break;
            }
        }

        return TokenVerificationResult.Failure(
            VerificationFailureReason.KeysUnavailable, $"kid '{keyId}' is not in the key set, which changed while it was looked up; retry", VerificationMode.Local);
    }
}
