using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Verifier.Keys;

/// <summary>
/// Loads the key set at start, then refreshes it every <see cref="KeySourceOptions.RefreshInterval"/> ± jitter, or
/// sooner when the key set response's <c>Cache-Control: max-age</c> says so (see <see cref="NextRefreshDelay"/>), or
/// every <see cref="KeySourceOptions.RetryInterval"/> while fetches fail. Delays run on the injected
/// <see cref="TimeProvider"/>. Does nothing in modes that do not use keys.
/// </summary>
internal sealed partial class KeyRefreshWorker : BackgroundService
{
    /// <summary>
    /// The shortest delay a <c>max-age</c> can set (5 s): an external signer's countdown can reach 0, and a
    /// misbehaving server must not turn the worker into a busy loop.
    /// </summary>
    internal static readonly TimeSpan MinimumMaxAgeDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most jitter added to a <c>max-age</c> delay (1 s). It is added, never removed: refreshing before the sync
    /// would fetch the old set again; and kept short, so a rotated key is known before its first token arrives.
    /// </summary>
    internal static readonly TimeSpan MaxAgeJitterLimit = TimeSpan.FromSeconds(1);

    private readonly KeyStore _store;
    private readonly KeySourceOptions _options;
    private readonly bool _keysUsed;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public KeyRefreshWorker(KeyStore store, IOptions<KubernetesTokenVerifierOptions> options, TimeProvider time, ILogger<KeyRefreshWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value.Keys;
        _keysUsed = VerificationModeSelection.UsesKeys(options.Value);
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_keysUsed)
        {
            return;
        }

        _store.StartWatching();
        try
        {
            var loaded = await _store.RefreshAsync(KeyRefreshTrigger.Startup).WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = loaded ? NextRefreshDelay(_store.CurrentMaxAge, _options.RefreshInterval, _options.RefreshJitter) : _options.RetryInterval;
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                loaded = await _store.RefreshAsync(KeyRefreshTrigger.Periodic).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        LogStopped(_store.SourceDescription);
    }

    /// <summary>
    /// The delay before the next periodic refresh after a successful one. Without a <paramref name="maxAge"/>, or with
    /// one of at least <paramref name="interval"/>: the interval ± jitter. Otherwise the max-age, raised to
    /// <see cref="MinimumMaxAgeDelay"/>, plus up to <paramref name="jitter"/> of itself (at most
    /// <see cref="MaxAgeJitterLimit"/>), never past the interval. kube-apiserver with an external signer counts
    /// max-age down to its next key sync (docs/kube-apiserver.md §9.1): refreshing then learns a rotated key before
    /// the first token signed with it arrives, instead of through an unknown-kid refresh.
    /// </summary>
    internal static TimeSpan NextRefreshDelay(TimeSpan? maxAge, TimeSpan interval, double jitter)
    {
        if (maxAge is not { } age || age >= interval)
        {
            return Jittered(interval, jitter);
        }

        var delay = age < MinimumMaxAgeDelay ? MinimumMaxAgeDelay : age;
        if (jitter > 0)
        {
            var spread = Math.Min((long)(delay.Ticks * jitter), MaxAgeJitterLimit.Ticks);
            delay += TimeSpan.FromTicks((long)(spread * (RandomNumberGenerator.GetInt32(0, 1_000_001) / 1_000_000.0)));
        }

        return delay < interval ? delay : interval;
    }

    internal static TimeSpan Jittered(TimeSpan interval, double jitter)
    {
        if (jitter <= 0)
        {
            return interval;
        }

        // Uniform in [interval·(1-jitter), interval·(1+jitter)]; spreads a fleet's refreshes apart.
        var factor = 1 + (jitter * ((RandomNumberGenerator.GetInt32(0, 2_000_001) / 1_000_000.0) - 1));
        return TimeSpan.FromTicks((long)(interval.Ticks * factor));
    }

    [LoggerMessage(Diagnostics.VerifierEventIds.KeysWorkerStopped, LogLevel.Debug, "Key refresh worker for {Source} stopped", EventName = "KeyRefreshWorkerStopped")]
    private partial void LogStopped(string source);
}
