using Microsoft.Extensions.Logging;

namespace Verifier.Cluster;

/// <summary>
/// The verifier's own bearer token, read from a file that rotates (the kubelet rewrites the in-cluster token at 80 %
/// of its life). Re-read at most every <see cref="ApiServerOptions.TokenRereadInterval"/>; readers never lock.
/// When a re-read fails the last good token is kept (it stays valid past the kubelet's refresh point).
/// </summary>
internal sealed class BearerTokenFile
{
    private readonly string _path;
    private readonly TimeSpan _rereadInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private volatile Snapshot _snapshot;

    public BearerTokenFile(string path, TimeSpan rereadInterval, TimeProvider time, ILogger logger)
    {
        _path = path;
        _rereadInterval = rereadInterval;
        _time = time;
        _logger = logger;
        _snapshot = new Snapshot(null, DateTimeOffset.MinValue);
    }

    public string Path => _path;

    /// <summary>The current token, re-read from the file when the last read is older than the interval; null when never readable.</summary>
    public string? GetToken()
    {
        var snapshot = _snapshot;
        var now = _time.GetUtcNow();
        if (snapshot.Token is not null && now - snapshot.ReadAt < _rereadInterval)
        {
            return snapshot.Token;
        }

        lock (_reloadLock)
        {
            snapshot = _snapshot;
            if (snapshot.Token is not null && now - snapshot.ReadAt < _rereadInterval)
            {
                return snapshot.Token;
            }

            string? token;
            try
            {
                token = File.ReadAllText(_path).Trim();
                if (token.Length == 0)
                {
                    throw new IOException("the file is empty");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ClusterLog.TokenFileReadFailed(_logger, _path, snapshot.Token is null ? "requests go out without a token" : "keeping the previous token", ex);

                // Keep the old token and wait a full interval before trying again; with no token at all, try on every request.
                token = snapshot.Token;
            }

            _snapshot = new Snapshot(token, token is null ? DateTimeOffset.MinValue : now);
            return token;
        }
    }

    private sealed record Snapshot(string? Token, DateTimeOffset ReadAt);
}
