using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Verifier.Diagnostics;

namespace Verifier.Client;

/// <summary>
/// A projected <c>serviceAccountToken</c> file, as the kubelet maintains it: the file is a symlink through <c>..data</c>,
/// which the kubelet swaps atomically when it refreshes the token at 80 % of its life. The directory is watched so a
/// swap is seen at once, and the file is re-read at least every <see cref="ProjectedTokenSourceOptions.RereadInterval"/>
/// anyway (watchers can miss events). A token past 90 % of its life is warned about (log + metric); a token past its
/// <c>exp</c> is never served: <see cref="GetTokenAsync"/> throws <see cref="ServiceAccountTokenException"/> instead.
/// </summary>
public sealed class ProjectedTokenSource : IServiceAccountTokenSource, IDisposable
{
    private const string MetricSource = "projected";

    private readonly string _path;
    private readonly TimeSpan _rereadInterval;
    private readonly double _nearExpiryFraction;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VerifierMetrics? _metrics;
    private readonly Lock _reloadLock = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly ITimer _timer;
    private volatile State _state = State.Empty;
    private volatile bool _changed;

    /// <exception cref="ArgumentException">When an option is out of range.</exception>
    public ProjectedTokenSource(ProjectedTokenSourceOptions options, TimeProvider? timeProvider = null, ILogger<ProjectedTokenSource>? logger = null)
        : this(options, timeProvider ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance, null)
    {
    }

    internal ProjectedTokenSource(ProjectedTokenSourceOptions options, TimeProvider time, ILogger logger, VerifierMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ServiceAccountTokenOptionsValidator.ValidateProjected(options) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _path = System.IO.Path.GetFullPath(options.Path);
        _rereadInterval = options.RereadInterval;
        _nearExpiryFraction = options.NearExpiryFraction;
        _time = time;
        _logger = logger;
        _metrics = metrics;

        Reload(watcherTriggered: false);
        var directory = System.IO.Path.GetDirectoryName(_path);
        if (options.WatchForChanges && directory is not null && Directory.Exists(directory))
        {
            // The directory, not the file: the kubelet never writes the file in place, it renames `..data_tmp` over `..data`.
            _watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnDirectoryChanged;
            _watcher.Created += OnDirectoryChanged;
            _watcher.Deleted += OnDirectoryChanged;
            _watcher.Renamed += OnDirectoryChanged;
            _watcher.Error += OnWatcherError;
            _watcher.EnableRaisingEvents = true;
        }

        _timer = time.CreateTimer(static state => ((ProjectedTokenSource)state!).Reload(watcherTriggered: false), this, _rereadInterval, _rereadInterval);
    }

    /// <summary>The token file (full path).</summary>
    public string Path => _path;

    public ServiceAccountToken? Current => _state.Token;

    /// <summary>Why the last read failed; null when it succeeded.</summary>
    public string? LastError => _state.LastError;

    public ValueTask<string> GetTokenAsync(bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = _state;
        var now = _time.GetUtcNow();
        if (forceRefresh || _changed || state.Token is null || now - state.ReadAt >= _rereadInterval || state.Token.IsExpiredAt(now))
        {
            state = Reload(watcherTriggered: false);
            now = _time.GetUtcNow();
        }

        if (state.Token is { } token && !token.IsExpiredAt(now))
        {
            return ValueTask.FromResult(token.Value);
        }

        // Never a token past exp: the server would reject it anyway, and the caller should see why.
        return ValueTask.FromException<string>(state.Token is { } expired
            ? new ServiceAccountTokenException(ServiceAccountTokenErrorKind.Expired,
                $"The service-account token in '{_path}' expired at {expired.ExpiresAt:O} and no fresher one could be read" +
                (state.LastError is null ? " (the kubelet has not refreshed the file)." : $": {state.LastError}."))
            : new ServiceAccountTokenException(state.LastErrorKind,
                $"No service-account token could be read from '{_path}': {state.LastError}. Is the projected volume mounted at that path?"));
    }

    public void Dispose()
    {
        _timer.Dispose();
        _watcher?.Dispose();
    }

    private void OnDirectoryChanged(object sender, FileSystemEventArgs e)
    {
        _changed = true;
        Reload(watcherTriggered: true);
    }

    private void OnWatcherError(object sender, ErrorEventArgs e) => _changed = true;

    private State Reload(bool watcherTriggered)
    {
        lock (_reloadLock)
        {
            _changed = false;
            var previous = _state;
            var now = _time.GetUtcNow();
            string? problem = null;
            var problemKind = ServiceAccountTokenErrorKind.Unreadable;
            ServiceAccountToken? token = null;
            try
            {
                var text = File.ReadAllText(_path).Trim();
                if (previous.Token is { } same && string.Equals(same.Value, text, StringComparison.Ordinal))
                {
                    token = same;
                }
                else if (JwtLifetime.TryRead(text, out var issuedAt, out var expiresAt))
                {
                    token = new ServiceAccountToken(text, issuedAt, expiresAt, now);
                    ClientLog.TokenReloaded(_logger, _path, issuedAt, expiresAt);
                }
                else
                {
                    problem = text.Length == 0 ? "the file is empty" : "the file does not hold a JWT with an exp claim";
                    problemKind = ServiceAccountTokenErrorKind.Malformed;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = ex.Message;
            }

            State next;
            if (token is not null)
            {
                next = new State(token, now, null, ServiceAccountTokenErrorKind.Unreadable, previous.WarnedFor);
            }
            else
            {
                if (watcherTriggered)
                {
                    // Mid-update events (a plain writer truncating the file) are not worth a warning: try again on next use.
                    _changed = true;
                    return previous;
                }

                var fallback = previous.Token is { } old && !old.IsExpiredAt(now)
                    ? $"keeping the previous token, valid until {old.ExpiresAt:O}"
                    : "there is no valid token to serve";
                ClientLog.TokenReloadFailed(_logger, _path, problem!, fallback);
                _metrics?.ClientTokenWarning(MetricSource, "reload_failed");
                next = new State(previous.Token, now, problem, problemKind, previous.WarnedFor);
            }

            next = WarnIfNearExpiry(next, now);
            _state = next;
            return next;
        }
    }

    private State WarnIfNearExpiry(State state, DateTimeOffset now)
    {
        if (state.Token is not { IssuedAt: { } issuedAt, ExpiresAt: { } expiresAt } token
            || ReferenceEquals(state.WarnedFor, token)
            || expiresAt <= issuedAt)
        {
            return state;
        }

        var fraction = (now - issuedAt) / (expiresAt - issuedAt);
        if (fraction < _nearExpiryFraction)
        {
            return state;
        }

        ClientLog.TokenNearExpiry(_logger, _path, Math.Min(fraction, 1) * 100, issuedAt, expiresAt);
        _metrics?.ClientTokenWarning(MetricSource, "near_expiry");
        return state with { WarnedFor = token };
    }

    private sealed record State(
        ServiceAccountToken? Token,
        DateTimeOffset ReadAt,
        string? LastError,
        ServiceAccountTokenErrorKind LastErrorKind,
        ServiceAccountToken? WarnedFor)
    {
        public static readonly State Empty = new(null, DateTimeOffset.MinValue, "not read yet", ServiceAccountTokenErrorKind.Unreadable, null);
    }
}
