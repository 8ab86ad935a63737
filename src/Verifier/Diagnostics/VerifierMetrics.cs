using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Verifier.Diagnostics;

/// <summary>
/// All instruments of the project on one meter (<see cref="MeterName"/>), OpenTelemetry style: lower-case dotted
/// names, unit <c>s</c> for durations, tags <c>mode</c>, <c>result</c>, <c>reason</c>. Recording is cheap when no
/// listener is attached (instruments check <c>Enabled</c>); tags go in a <see cref="TagList"/>, no allocation.
/// </summary>
internal sealed class VerifierMetrics
{
    public const string MeterName = "Verifier";

    // Seconds, from a ~100 ns cache hit to a 10 s TokenReview with retries, in ×2–×2.5 steps: OpenTelemetry's default
    // buckets (0, 5, 10 … 10 000) are meant for milliseconds and would put every verification in the first one.
    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries =
        [
            1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
            1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        ],
    };

    private readonly TimeProvider _time;
    private readonly Counter<long> _verifications;
    private readonly Histogram<double> _verificationDuration;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _cacheEvictions;
    private readonly Counter<long> _keyRefreshes;
    private readonly Counter<long> _tokenReviewRequests;
    private readonly Histogram<double> _tokenReviewDuration;
    private readonly Counter<long> _shadowComparisons;
    private readonly Counter<long> _clientTokenWarnings;
    private readonly Counter<long> _watchRelists;
    private readonly Counter<long> _watchReconnects;
    private readonly Counter<long> _watchRevocations;
    private readonly Counter<long> _watchFallbacks;

    // Gauges observe their sources (Polly's way: no copy to drift): set once by the key store and the reviewer.
    private Func<(int Count, DateTimeOffset FetchedAt)?>? _keySet;
    private Func<int>? _breakerState;
    private Func<(bool Synced, TimeSpan? Lag, long Objects)>? _watchIndex;

    public VerifierMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
        Meter = meterFactory.Create(MeterName);
        _verifications = Meter.CreateCounter<long>("verifier.verifications", "{verification}", "Tokens verified, by mode, result and reason.");
        _verificationDuration = Meter.CreateHistogram<double>("verifier.verification.duration", "s", "Time to verify one token, by mode and result.", advice: DurationAdvice);
        _cacheLookups = Meter.CreateCounter<long>("verifier.cache.lookups", "{lookup}", "Cache lookups, by cache (result, tokenreview, binding) and result (hit, miss).");
        _cacheEvictions = Meter.CreateCounter<long>("verifier.cache.evictions", "{entry}", "Cache entries removed, by cache and cause (capacity, expired, key_removed).");
        _keyRefreshes = Meter.CreateCounter<long>("verifier.keys.refreshes", "{refresh}", "Key set refreshes, by trigger (startup, periodic, unknown_kid, file_changed) and result (success, failure, invalid, suppressed).");
        Meter.CreateObservableGauge("verifier.keys.count", ObserveKeyCount, "{key}", "Keys in the current key set.");
        Meter.CreateObservableGauge("verifier.keys.age", ObserveKeyAge, "s", "Age of the current key set.");
        _tokenReviewRequests = Meter.CreateCounter<long>("verifier.tokenreview.requests", "{request}", "TokenReview HTTP requests, by result (authenticated, unauthenticated, error) and status code.");
        _tokenReviewDuration = Meter.CreateHistogram<double>("verifier.tokenreview.duration", "s", "TokenReview request latency.", advice: DurationAdvice);
        Meter.CreateObservableGauge("verifier.tokenreview.breaker.state", ObserveBreakerState, "{state}", "Circuit breaker state: 0 closed, 1 open, 2 half-open.");
        _shadowComparisons = Meter.CreateCounter<long>("verifier.shadow.comparisons", "{comparison}", "Shadow comparisons, by primary result, secondary result and agreement.");
        _clientTokenWarnings = Meter.CreateCounter<long>("verifier.client.token.warnings", "{warning}", "Client token source warnings, by source and kind (near_expiry, reload_failed, request_failed).");
        Meter.CreateObservableGauge("verifier.watch.synced", ObserveWatchSynced, "{state}", "Watch mode: 1 once every stream of the bound-object index has listed, else 0.");
        Meter.CreateObservableGauge("verifier.watch.lag", ObserveWatchLag, "s", "Watch mode: now minus the last event, bookmark or list, largest over the streams.");
        Meter.CreateObservableGauge("verifier.watch.objects", ObserveWatchObjects, "{object}", "Watch mode: objects in the bound-object index.");
        _watchRelists = Meter.CreateCounter<long>("verifier.watch.relists", "{list}", "Watch mode: complete lists, by resource.");
        _watchReconnects = Meter.CreateCounter<long>("verifier.watch.reconnects", "{stream}", "Watch mode: watch streams ended and reopened, by resource and cause (ended, expired, stalled, dropped, garbage, failed).");
        _watchRevocations = Meter.CreateCounter<long>("verifier.watch.revocations", "{object}", "Watch mode: objects whose tokens the watch revoked, by kind and cause (deleted, replaced, deletion_leeway_ended).");
        _watchFallbacks = Meter.CreateCounter<long>("verifier.watch.fallbacks", "{verification}", "Watch mode: verifications sent to TokenReview, by cause (not_trusted, unseen).");
    }

    public Meter Meter { get; }

    public void Verification(VerificationMode mode, VerificationFailureReason reason, double seconds)
    {
        var result = reason == VerificationFailureReason.None ? "success" : "failure";
        if (_verifications.Enabled)
        {
            var tags = new TagList { { "mode", ModeTag(mode) }, { "result", result }, { "reason", reason.ToWireName() } };
            _verifications.Add(1, tags);
        }

        if (_verificationDuration.Enabled)
        {
            var tags = new TagList { { "mode", ModeTag(mode) }, { "result", result } };
            _verificationDuration.Record(seconds, tags);
        }
    }

    public bool VerificationDurationEnabled => _verificationDuration.Enabled;

    public void CacheLookup(string cache, bool hit)
    {
        if (_cacheLookups.Enabled)
        {
            _cacheLookups.Add(1, new TagList { { "cache", cache }, { "result", hit ? "hit" : "miss" } });
        }
    }

    public void CacheEviction(string cache, string cause, long count = 1)
    {
        if (_cacheEvictions.Enabled && count > 0)
        {
            _cacheEvictions.Add(count, new TagList { { "cache", cache }, { "cause", cause } });
        }
    }

    public void KeyRefresh(string trigger, string result) =>
        _keyRefreshes.Add(1, new TagList { { "trigger", trigger }, { "result", result } });

    /// <summary>The key gauges read <paramref name="current"/> (the key store's current key set: its size and fetch time; null before the first) when observed.</summary>
    public void ObserveKeySet(Func<(int Count, DateTimeOffset FetchedAt)?> current) => _keySet = current;

    /// <summary>The breaker gauge reads <paramref name="state"/> (0 closed, 1 open, 2 half-open) when observed, so half-open is reported as it happens.</summary>
    public void ObserveBreaker(Func<int> state) => _breakerState = state;

    public void TokenReviewRequest(string result, int statusCode, double seconds)
    {
        _tokenReviewRequests.Add(1, new TagList { { "result", result }, { "status_code", statusCode } });
        _tokenReviewDuration.Record(seconds);
    }

    /// <param name="primary">The primary mode's reason.</param>
    /// <param name="secondary">The secondary mode's reason.</param>
    /// <param name="agreement"><c>agree</c>, <c>disagree</c> or <c>inconclusive</c>, as the shadow report classifies the pair.</param>
    public void ShadowComparison(VerificationFailureReason primary, VerificationFailureReason secondary, string agreement) =>
        _shadowComparisons.Add(1, new TagList
        {
            { "primary_result", primary.ToWireName() },
            { "secondary_result", secondary.ToWireName() },
            { "agreement", agreement },
        });

    public void ClientTokenWarning(string source, string kind) =>
        _clientTokenWarnings.Add(1, new TagList { { "source", source }, { "kind", kind } });

    /// <summary>The watch gauges read <paramref name="index"/> (synced, lag, object count) when observed.</summary>
    public void ObserveWatchIndex(Func<(bool Synced, TimeSpan? Lag, long Objects)> index) => _watchIndex = index;

    public void WatchRelist(string resource) => _watchRelists.Add(1, new TagList { { "resource", resource } });

    public void WatchReconnect(string resource, string cause) => _watchReconnects.Add(1, new TagList { { "resource", resource }, { "cause", cause } });

    public void WatchRevocation(string kind, string cause) => _watchRevocations.Add(1, new TagList { { "kind", kind }, { "cause", cause } });

    public void WatchFallback(string cause)
    {
        if (_watchFallbacks.Enabled)
        {
            _watchFallbacks.Add(1, new TagList { { "cause", cause } });
        }
    }

    private IEnumerable<Measurement<int>> ObserveWatchSynced() =>
        _watchIndex?.Invoke() is { } index ? [new Measurement<int>(index.Synced ? 1 : 0)] : [];

    private IEnumerable<Measurement<double>> ObserveWatchLag() =>
        _watchIndex?.Invoke() is { Lag: { } lag } ? [new Measurement<double>(lag.TotalSeconds)] : [];

    private IEnumerable<Measurement<long>> ObserveWatchObjects() =>
        _watchIndex?.Invoke() is { } index ? [new Measurement<long>(index.Objects)] : [];

    private int ObserveKeyCount() => _keySet?.Invoke()?.Count ?? 0;

    private double ObserveKeyAge() => _keySet?.Invoke() is { } keys ? (_time.GetUtcNow() - keys.FetchedAt).TotalSeconds : 0;

    private int ObserveBreakerState() => _breakerState?.Invoke() ?? 0;

    internal static string ModeTag(VerificationMode mode) => mode switch
    {
        VerificationMode.Local => "local",
        VerificationMode.TokenReview => "tokenreview",
        VerificationMode.Hybrid => "hybrid",
        VerificationMode.Shadow => "shadow",
        VerificationMode.Watch => "watch",
        _ => "unknown",
    };
}
