using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;

namespace Verifier.TokenReview;

/// <summary>
/// Everything between a mode and the API server's TokenReview: a result cache keyed by the keyed hash of (token,
/// audiences) (success TTL, failure TTL, transient outcomes never cached), single flight per key, bounded concurrency,
/// a timeout per attempt, retries with exponential backoff and jitter on 408/429/5xx/connection failures honouring
/// <c>Retry-After</c>, and a circuit breaker. Every wait goes through the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// The breaker sees every attempt (retries sit outside it, as in Polly's recommended order), so a dead API server
/// opens it after <see cref="TokenReviewOptions.BreakerFailureThreshold"/> attempts, not reviews; an open breaker
/// ends a review at once instead of retrying into it.
/// </remarks>
internal sealed partial class TokenReviewer : IDisposable
{
    private const string CacheName = "tokenreview";

    private readonly ITokenReviewTransport _transport;
    private readonly TokenReviewOptions _options;
    private readonly IReadOnlyList<string> _audiences;
    private readonly TokenHasher _hasher;
    private readonly VerifierMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExpiringCache<TokenHash, TokenReviewOutcome> _cache;
    private readonly SingleFlight<TokenHash, TokenReviewOutcome> _flights = new();
    private readonly SemaphoreSlim _concurrency;
    private readonly CircuitBreaker _breaker;
    private readonly CancellationTokenSource _stopping = new();

    private volatile bool _lastAttemptFailed;
    private int _retriesWaiting;
    private volatile string? _lastError;

    /// <param name="transport">How a review reaches the API server.</param>
    /// <param name="options">This feature's options.</param>
    /// <param name="audiences">The configured audiences, sent as <c>spec.audiences</c>.</param>
    /// <param name="hasher">The library's keyed token hash (the cache's key).</param>
    /// <param name="metrics">Where requests are counted; the breaker gauge observes <see cref="BreakerState"/>.</param>
    /// <param name="time">The clock of every timeout, delay and TTL.</param>
    /// <param name="logger">The reviewer's logger.</param>
    public TokenReviewer(
        ITokenReviewTransport transport,
        TokenReviewOptions options,
        IReadOnlyList<string> audiences,
        TokenHasher hasher,
        VerifierMetrics metrics,
        TimeProvider time,
        ILogger<TokenReviewer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(metrics);
        _transport = transport;
        _options = options;
        _audiences = [.. audiences];
        _hasher = hasher;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _cache = new ExpiringCache<TokenHash, TokenReviewOutcome>(CacheName, _options.MaxCacheEntries, time, metrics);
        _concurrency = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _breaker = new CircuitBreaker(_options.BreakerFailureThreshold, _options.BreakerBreakDuration, time);
        metrics.ObserveBreaker(() => (int)_breaker.State);
    }

    /// <summary>The audiences sent as <c>spec.audiences</c>: the configured ones.</summary>
    public IReadOnlyList<string> Audiences => _audiences;

    /// <summary>False while the last attempt failed (transient or misconfigured) or the breaker is not closed.</summary>
    public bool ApiServerHealthy => !_lastAttemptFailed && _breaker.State == CircuitBreakerState.Closed;

    /// <summary>The last error an attempt reported; kept after recovery, for diagnostics.</summary>
    public string? LastError => _lastError;

    public CircuitBreakerState BreakerState => _breaker.State;

    /// <summary>Reviews waiting out a backoff or <c>Retry-After</c> delay right now.</summary>
    internal int RetriesWaiting => Volatile.Read(ref _retriesWaiting);

    /// <summary>Cached reviews right now.</summary>
    internal int CachedCount => _cache.Count;

    /// <summary>
    /// Reviews <paramref name="token"/> through the cache: a fresh cached outcome is returned at once; otherwise
    /// concurrent callers for the same token share one <see cref="ReviewUncachedAsync"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires; the shared review goes on.</exception>
    public ValueTask<TokenReviewOutcome> ReviewAsync(string token, CancellationToken cancellationToken = default)
    {
        var key = _hasher.Compute(token);
        if (_cache.TryGet(key, out var cached))
        {
            _metrics.CacheLookup(CacheName, hit: true);
            return ValueTask.FromResult(cached);
        }

        _metrics.CacheLookup(CacheName, hit: false);
        var flight = _flights.RunAsync(key, (Reviewer: this, Token: token, Key: key), static s => s.Reviewer.ReviewAndCacheAsync(s.Token, s.Key));
        return new ValueTask<TokenReviewOutcome>(cancellationToken.CanBeCanceled ? flight.WaitAsync(cancellationToken) : flight);
    }

    /// <summary>
    /// One review with retries, breaker, concurrency bound and per-attempt timeout, but no cache and no single flight
    /// (hybrid mode keeps its own per-binding state). Never takes a caller's token: callers stop waiting instead.
    /// </summary>
    /// <param name="token">The token to review.</param>
    /// <param name="audiences">
    /// <c>spec.audiences</c>; null (default) sends the configured audiences, empty sends none, so that the API server
    /// checks against its own API audiences (what a legacy token, which has no <c>aud</c>, is valid for).
    /// </param>
    /// <exception cref="OperationCanceledException">Only when the reviewer is disposed.</exception>
    public async Task<TokenReviewOutcome> ReviewUncachedAsync(string token, IReadOnlyList<string>? audiences = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        audiences ??= _audiences;
        try
        {
            return await ReviewWithRetriesAsync(token, audiences).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The host is stopping: callers in flight get a verdict (503), not an exception from our own shutdown.
            return TokenReviewOutcome.Unavailable("the verifier is stopping");
        }
    }

    private async Task<TokenReviewOutcome> ReviewWithRetriesAsync(string token, IReadOnlyList<string> audiences)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!_breaker.TryAcquire())
            {
                return TokenReviewOutcome.Unavailable(
                    $"circuit breaker open until {_breaker.OpenUntil:O} after repeated TokenReview failures; last error: {_lastError}");
            }

            var outcome = await AttemptAsync(token, audiences).ConfigureAwait(false);
            if (outcome.Kind != TokenReviewOutcomeKind.Unavailable || attempt >= _options.MaxRetries)
            {
                return outcome;
            }

            var delay = RetryDelay(attempt, outcome.RetryAfter);
            LogRetry(_logger, attempt + 1, _options.MaxRetries, delay.TotalMilliseconds, outcome.StatusCode, outcome.Error);
            var waiting = Task.Delay(delay, _time, _stopping.Token);

            // Counted once the delay's timer exists, so a test on a manual clock knows when advancing it will fire.
            Interlocked.Increment(ref _retriesWaiting);
            try
            {
                await waiting.ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _retriesWaiting);
            }
        }
    }

    /// <summary>
    /// Retry-After when the API server sent one, else <c>RetryBaseDelay · 2^attempt</c> scaled by a random factor in
    /// [0.5, 1) ("equal jitter": spreads a herd of retries, keeps a floor); both capped by <c>MaxRetryDelay</c>.
    /// </summary>
    internal TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var max = _options.MaxRetryDelay;
        if (retryAfter is { } serverDelay)
        {
            return serverDelay < TimeSpan.Zero ? TimeSpan.Zero : serverDelay > max ? max : serverDelay;
        }

        var exponential = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
#pragma warning disable CA5394 // Jitter, not security.
        var jittered = exponential * (0.5 + (Random.Shared.NextDouble() / 2));
#pragma warning restore CA5394
        return jittered >= max.TotalMilliseconds ? max : TimeSpan.FromMilliseconds(jittered);
    }

    private async Task<TokenReviewOutcome> ReviewAndCacheAsync(string token, TokenHash key)
    {
        // A previous flight may have filled the cache between our miss and this flight's start.
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }

        var outcome = await ReviewUncachedAsync(token).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case TokenReviewOutcomeKind.Authenticated:
                _cache.Set(key, outcome, _options.SuccessTtl);
                break;
            case TokenReviewOutcomeKind.NotAuthenticated:
                _cache.Set(key, outcome, _options.FailureTtl);
                break;
            default:
                // Transient and misconfiguration outcomes say nothing about the token: never cached.
                break;
        }

        return outcome;
    }

    private async Task<TokenReviewOutcome> AttemptAsync(string token, IReadOnlyList<string> audiences)
    {
        TokenReviewOutcome outcome;
        var transition = CircuitBreakerTransition.None;
        try
        {
            await _concurrency.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch
        {
            // The breaker granted this attempt: give it back as a non-event before unwinding.
            _breaker.OnSuccess();
            throw;
        }

        var started = _time.GetTimestamp();
        try
        {
            // The timeout starts once a concurrency slot is held: queueing behind our own bound is not the API server's fault.
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
            try
            {
                outcome = CheckAnswer(await _transport.ReviewAsync(token, audiences, linked.Token).ConfigureAwait(false), audiences);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                outcome = TokenReviewOutcome.Unavailable($"TokenReview timed out after {_options.Timeout.TotalSeconds:0.###} s");
            }
            catch (HttpRequestException ex)
            {
                outcome = TokenReviewOutcome.Unavailable("TokenReview request failed: " + ex.Message, (int?)ex.StatusCode ?? 0);
            }
        }
        catch
        {
            _breaker.OnFailure();
            throw;
        }
        finally
        {
            _concurrency.Release();
        }

        var seconds = _time.GetElapsedTime(started).TotalSeconds;
        switch (outcome.Kind)
        {
            case TokenReviewOutcomeKind.Authenticated:
                _metrics.TokenReviewRequest("authenticated", outcome.StatusCode, seconds);
                _lastAttemptFailed = false;
                transition = _breaker.OnSuccess();
                break;
            case TokenReviewOutcomeKind.NotAuthenticated:
                _metrics.TokenReviewRequest("unauthenticated", outcome.StatusCode, seconds);
                _lastAttemptFailed = false;
                transition = _breaker.OnSuccess();
                break;
            case TokenReviewOutcomeKind.Misconfigured:
                // The API server answered, so the breaker counts it as up; health says otherwise until fixed.
                _metrics.TokenReviewRequest("error", outcome.StatusCode, seconds);
                _lastAttemptFailed = true;
                _lastError = outcome.Error;
                transition = _breaker.OnSuccess();
                LogMisconfigured(_logger, outcome.StatusCode, outcome.Error);
                break;
            default:
                _metrics.TokenReviewRequest("error", outcome.StatusCode, seconds);
                _lastAttemptFailed = true;
                _lastError = outcome.Error;
                transition = _breaker.OnFailure();
                LogFailed(_logger, outcome.StatusCode, outcome.Error);
                break;
        }

        switch (transition)
        {
            case CircuitBreakerTransition.Opened:
                LogBreakerOpened(_logger, _options.BreakerBreakDuration.TotalSeconds, _lastError);
                break;
            case CircuitBreakerTransition.Closed:
                LogBreakerClosed(_logger);
                break;
            default:
                break;
        }

        return outcome;
    }

    /// <summary>
    /// An authenticated answer counts only as what this verifier asked for (docs/kube-apiserver.md §9.4): a service
    /// account (the cluster may authenticate other tokens too, e.g. OIDC users), and, when audiences were requested,
    /// with at least one of them in <c>status.audiences</c> (an authenticator that ignores audiences would otherwise
    /// accept a token meant for another service).
    /// </summary>
    private static TokenReviewOutcome CheckAnswer(TokenReviewOutcome outcome, IReadOnlyList<string> audiences)
    {
        if (outcome.Kind != TokenReviewOutcomeKind.Authenticated)
        {
            return outcome;
        }

        var username = outcome.User!.Username;
        if (!username.StartsWith(ServiceAccountIdentity.UsernamePrefix, StringComparison.Ordinal))
        {
            return TokenReviewOutcome.NotAuthenticated($"TokenReview authenticated \"{username}\", which is not a service account", outcome.StatusCode);
        }

        if (audiences.Count == 0)
        {
            return outcome;
        }

        foreach (var audience in outcome.Audiences)
        {
            foreach (var requested in audiences)
            {
                if (string.Equals(audience, requested, StringComparison.Ordinal))
                {
                    return outcome;
                }
            }
        }

        return TokenReviewOutcome.NotAuthenticated("TokenReview authenticated the token but reported none of the requested audiences", outcome.StatusCode);
    }

    /// <summary>
    /// Stops retries and waits: reviews in flight end with an <see cref="TokenReviewOutcomeKind.Unavailable"/>
    /// outcome. The semaphore and the token source are left to the collector on purpose: callers still in flight use
    /// them, and disposing them would turn a clean 503 into an <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _stopping.Cancel();
}
