using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Verifier.Keys;

/// <summary>
/// Loads the key set at start, then refreshes it every <see cref="KeySourceOptions.RefreshInterval"/> ± jitter, or
/// every <see cref="KeySourceOptions.RetryInterval"/> while fetches fail. Delays run on the injected
/// <see cref="TimeProvider"/>. Does nothing in modes that do not use keys.
/// </summary>
internal sealed partial class KeyRefreshWorker : BackgroundService
{
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
                var delay = loaded ? Jittered(_options.RefreshInterval, _options.RefreshJitter) : _options.RetryInterval;
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                loaded = await _store.RefreshAsync(KeyRefreshTrigger.Periodic).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        LogStopped(_store.SourceDescription);
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

    [LoggerMessage(Diagnostics.VerifierEventIds.KeysWorkerStopped, LogLevel.Debug, "Key refresh worker for {Source} stopped", EventName = "Stopped")]
    private partial void LogStopped(string source);
}
