using System.Globalization;
using Microsoft.Extensions.Logging;
using Verifier.Cluster;
using Verifier.Cluster.Resources;
using Verifier.Diagnostics;

namespace Verifier.Client;

/// <summary>
/// Tokens from the TokenRequest API (<c>POST .../serviceaccounts/NAME/token</c>), requested with the workload's own
/// credential. Renewed at <see cref="TokenRequestSourceOptions.RenewAtFraction"/> of the lifetime (minus jitter), like
/// the kubelet, by a timer and on use; all concurrent callers share one request; 429/5xx/timeouts are retried with
/// backoff (Retry-After honoured); 401/403/404/409/422 fail at once with a message that says what to fix. While a
/// renewal fails, the previous token is served until it expires, never after.
/// </summary>
internal sealed class TokenRequestSource : IServiceAccountTokenSource, IDisposable
{
    private const string MetricSource = "tokenrequest";

    private readonly TokenRequestSourceOptions _options;
    private readonly List<string> _audiences;
    private readonly V1BoundObjectReference? _boundObject;
    private readonly KubernetesApiClient _api;
    private readonly Func<string?> _defaultNamespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VerifierMetrics? _metrics;
    private readonly Lock _lock = new();
    private readonly ITimer _renewTimer;
    private volatile Entry? _entry;
    private Task<Outcome>? _inflight;
    private ServiceAccountToken? _warnedFor;

    /// <exception cref="ArgumentException">When the options are invalid; the message says what to fix.</exception>
    public TokenRequestSource(
        TokenRequestSourceOptions options,
        KubernetesApiClient api,
        Func<string?> defaultNamespace,
        TimeProvider time,
        ILogger logger,
        VerifierMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(api);
        if (TokenRequestSourceOptionsValidator.Validate(options) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _options = options;
        _audiences = [.. options.Audiences];
        _boundObject = options.BoundObject is { } bound
            ? new V1BoundObjectReference { Kind = bound.Kind, ApiVersion = "v1", Name = bound.Name, Uid = string.IsNullOrEmpty(bound.Uid) ? null : bound.Uid }
            : null;
        _api = api;
        _defaultNamespace = defaultNamespace;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _renewTimer = time.CreateTimer(static state => _ = ((TokenRequestSource)state!).StartRenewal(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public ServiceAccountToken? Current => _entry?.Token;

    /// <summary>When the current token will be renewed; null before the first.</summary>
    public DateTimeOffset? RenewAt => _entry?.RenewAt;

    public async ValueTask<string> GetTokenAsync(bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        var entry = _entry;
        var now = _time.GetUtcNow();
        if (!forceRefresh && entry is not null)
        {
            if (now < entry.RenewAt)
            {
                return entry.Token.Value;
            }

            if (!entry.Token.IsExpiredAt(now))
            {
                // Still valid: renew in the background, nobody waits.
                _ = StartRenewal();
                return entry.Token.Value;
            }
        }

        // The shared request runs on its own deadline (the API client's); the caller's token only ends the caller's wait.
        var outcome = await StartRenewal().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (outcome.Entry is { } fresh)
        {
            return fresh.Token.Value;
        }

        // A forced refresh that failed still has the old token while it is valid.
        if (_entry is { } current && !current.Token.IsExpiredAt(_time.GetUtcNow()))
        {
            return current.Token.Value;
        }

        throw new ServiceAccountTokenException(outcome.ErrorKind, outcome.ErrorMessage!, outcome.StatusCode);
    }

    public void Dispose() => _renewTimer.Dispose();

    private Task<Outcome> StartRenewal()
    {
        lock (_lock)
        {
            if (_inflight is { IsCompleted: false } running)
            {
                return running;
            }

            // Off the lock and off the caller's stack.
            return _inflight = Task.Run(RenewAsync);
        }
    }

    private async Task<Outcome> RenewAsync()
    {
        var ns = string.IsNullOrEmpty(_options.Namespace) ? _defaultNamespace() : _options.Namespace;
        var account = _options.ServiceAccountName;
        if (string.IsNullOrEmpty(ns))
        {
            return Failed(new Outcome(null, ServiceAccountTokenErrorKind.Invalid,
                $"TokenRequest:Namespace is not set and the API-server connection has no namespace; set the namespace of service account '{account}'.", null));
        }

        for (var attempt = 1; ; attempt++)
        {
            var result = await _api.CreateTokenAsync(ns, account, _audiences, _options.ExpirationSeconds, _boundObject, CancellationToken.None)
                .ConfigureAwait(false);
            if (result.Succeeded)
            {
                return Accept(ns, account, result.Value);
            }

            var error = result.Error;
            ClientLog.TokenRequestFailed(_logger, ns, account, attempt, error.ToString());
            _metrics?.ClientTokenWarning(MetricSource, "request_failed");
            var delay = RetryDelay(attempt, error.RetryAfter);
            if (!error.IsTransient || attempt >= _options.MaxAttempts || delay > _options.MaxRetryDelay)
            {
                return Failed(Describe(ns, account, error, attempt), error.RetryAfter);
            }

            await Task.Delay(delay, _time).ConfigureAwait(false);
        }
    }

    private Outcome Accept(string ns, string account, V1TokenRequest response)
    {
        var now = _time.GetUtcNow();
        var value = response.Status?.Token;
        if (string.IsNullOrEmpty(value))
        {
            return Failed(new Outcome(null, ServiceAccountTokenErrorKind.Malformed, $"TokenRequest for {ns}/{account} answered without status.token.", null));
        }

        JwtLifetime.TryRead(value, out var jwtIssuedAt, out var jwtExpiresAt);

        // status.expirationTimestamp, not the JWT's exp: for extended (3607 s, pod-bound) tokens the JWT lives a year
        // but the API server, and the kubelet, count from expirationTimestamp.
        var expiresAt = response.Status!.ExpirationTimestamp != default ? response.Status.ExpirationTimestamp
            : jwtExpiresAt != default ? jwtExpiresAt
            : now.AddSeconds(_options.ExpirationSeconds);

        // kubelet: iat = expirationTimestamp - spec.expirationSeconds (after the API server's clamping).
        var lifetimeSeconds = response.Spec?.ExpirationSeconds ?? _options.ExpirationSeconds;
        var issuedAt = expiresAt.AddSeconds(-lifetimeSeconds);
        var lifetime = expiresAt - issuedAt;
        var fraction = _options.RenewAtFraction - (_options.RenewJitterFraction * Random.Shared.NextDouble());
        var renewAt = issuedAt + (lifetime * fraction);
        if (renewAt < now)
        {
            // Clocks disagree; renew halfway through what is left rather than at once, in a loop.
            renewAt = now + ((expiresAt - now) / 2);
        }

        var entry = new Entry(new ServiceAccountToken(value, jwtIssuedAt ?? issuedAt, expiresAt, now), renewAt);
        _entry = entry;
        ClientLog.TokenRequested(_logger, ns, account, expiresAt, renewAt);
        Reschedule(renewAt - now);
        return new Outcome(entry, default, null, null);
    }

    private Outcome Failed(Outcome outcome, TimeSpan? retryAfter = null)
    {
        // Keep trying in the background while the old token lasts.
        var now = _time.GetUtcNow();
        if (_entry is { } current && !current.Token.IsExpiredAt(now))
        {
            var retryIn = retryAfter is { } wait && wait > _options.MaxRetryDelay ? wait : _options.MaxRetryDelay;
            Reschedule(retryIn);
            WarnIfNearExpiry(current.Token, now);
        }

        return outcome;
    }

    private void WarnIfNearExpiry(ServiceAccountToken token, DateTimeOffset now)
    {
        if (token is not { IssuedAt: { } issuedAt, ExpiresAt: { } expiresAt } || expiresAt <= issuedAt || ReferenceEquals(_warnedFor, token)
            || (now - issuedAt) / (expiresAt - issuedAt) < 0.9)
        {
            return;
        }

        _warnedFor = token;
        ClientLog.TokenNearExpiry(_logger, $"TokenRequest {_options.ServiceAccountName}", Math.Min((now - issuedAt) / (expiresAt - issuedAt), 1) * 100, issuedAt, expiresAt);
        _metrics?.ClientTokenWarning(MetricSource, "near_expiry");
    }

    private void Reschedule(TimeSpan dueIn)
    {
        try
        {
            _renewTimer.Change(dueIn < TimeSpan.Zero ? TimeSpan.Zero : dueIn, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while a renewal was in flight.
        }
    }

    private TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var backoff = _options.RetryBaseDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        if (backoff > _options.MaxRetryDelay)
        {
            backoff = _options.MaxRetryDelay;
        }

        // Up to 20 % more, so replicas that failed together do not retry together.
        backoff += backoff * (0.2 * Random.Shared.NextDouble());
        return retryAfter is { } wait && wait > backoff ? wait : backoff;
    }

    private static Outcome Describe(string ns, string account, KubernetesApiError error, int attempts)
    {
        var code = error.StatusCode;
        var (kind, message) = error.Kind switch
        {
            KubernetesApiErrorKind.Forbidden => (ServiceAccountTokenErrorKind.Forbidden,
                $"The API server refused to create a token for serviceaccount {ns}/{account} (403): {error.Message}. The caller needs " +
                $"`create` on `serviceaccounts/token`, e.g. a Role with resources: [serviceaccounts/token], resourceNames: [{account}], verbs: [create]."),
            KubernetesApiErrorKind.NotFound => (ServiceAccountTokenErrorKind.NotFound,
                $"TokenRequest for {ns}/{account} (404): {error.Message}. The service account or the bound object does not exist."),
            KubernetesApiErrorKind.Unauthorized => (ServiceAccountTokenErrorKind.Unauthorized,
                $"The API server rejected the caller's own credential (401) when requesting a token for {ns}/{account}: {error.Message}. " +
                "Check the token source's ApiServer settings (is the pod's token mounted? is the kubeconfig user valid?)."),
            KubernetesApiErrorKind.Invalid or KubernetesApiErrorKind.Conflict or KubernetesApiErrorKind.BadRequest => (ServiceAccountTokenErrorKind.Invalid,
                string.Create(CultureInfo.InvariantCulture, $"The API server rejected the TokenRequest for {ns}/{account} ({code}): {error.Message}")),
            KubernetesApiErrorKind.InvalidResponse => (ServiceAccountTokenErrorKind.Malformed,
                $"TokenRequest for {ns}/{account}: {error.Message}"),
            _ => (ServiceAccountTokenErrorKind.Unavailable,
                string.Create(CultureInfo.InvariantCulture, $"TokenRequest for {ns}/{account} failed after {attempts} attempt(s): {error}")),
        };
        return new Outcome(null, kind, message, code);
    }

    private sealed record Entry(ServiceAccountToken Token, DateTimeOffset RenewAt);

    private sealed record Outcome(Entry? Entry, ServiceAccountTokenErrorKind ErrorKind, string? ErrorMessage, int? StatusCode);
}
