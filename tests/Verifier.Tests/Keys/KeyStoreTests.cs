using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KeyStoreTests : IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggers;
    private VerifierHarness? _harness;

    public KeyStoreTests() => _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(_logs)));

    private VerifierHarness Create(Action<KubernetesTokenVerifierOptions>? configure = null) =>
        _harness = new VerifierHarness(configure: configure, loggers: _loggers);

    /// <summary>A loaded store over a <see cref="WatchedKeySource"/>, watching it.</summary>
    private async Task<(WatchedKeySource Source, VerifierHarness Harness)> StartWatchedAsync()
    {
        var source = new WatchedKeySource();
        _harness = await new VerifierHarness(source, loggers: _loggers).LoadAsync();
        _harness.Store.StartWatching();
        return (source, _harness);
    }

    /// <summary>What the <see cref="KeyStore"/> logged, in order.</summary>
    private List<FakeLogRecord> StoreLogs() => [.. _logs.GetSnapshot().Where(r => r.Category == typeof(KeyStore).FullName)];

    private string?[] StoreEvents() => [.. StoreLogs().Select(r => r.Id.Name)];

    /// <summary><c>verifier.keys.refreshes</c> as "trigger/result", one per measurement.</summary>
    private static IEnumerable<string> TriggerResults(MetricCollector<long> refreshes) =>
        refreshes.GetMeasurementSnapshot().Select(m => $"{m.Tags["trigger"]}/{m.Tags["result"]}");

    public void Dispose()
    {
        _harness?.Dispose();
        _loggers.Dispose();
    }

    [Test]
    public async Task RefreshAsync_ConcurrentCallers_ShareOneFetch()
    {
        var harness = Create();
        harness.Memory.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var refreshes = Enumerable.Range(0, 50).Select(_ => harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic)).ToArray();
        harness.Memory.Gate.SetResult();
        var results = await Task.WhenAll(refreshes).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(harness.Memory.FetchCount, Is.EqualTo(1));
        Assert.That(results, Is.All.True);
        Assert.That(refreshes.Distinct().Count(), Is.EqualTo(1), "every caller got the same task");
    }

    [Test]
    public async Task RefreshAsync_SourceDownAtStart_NotReadyThenRecovers()
    {
        var harness = Create();
        harness.Memory.Failure = new KeyFetchException("connection refused");

        var first = await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);
        var status = harness.Store.GetStatus(VerificationMode.Local);
        var readyWhileDown = harness.Store.WaitUntilReadyAsync().IsCompleted;
        var whileDown = await harness.VerifyAsync(KubeTokens.Token());
        harness.Memory.Failure = null;
        var second = await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.False);
            Assert.That(status.IsReady, Is.False);
            Assert.That(readyWhileDown, Is.False, "a failed fetch does not make the store ready");
            Assert.That(status.LastKeyRefreshError, Does.Contain("connection refused"));
            Assert.That(whileDown.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(second, Is.True);
            Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.Null);
            Assert.That(harness.Store.WaitUntilReadyAsync().IsCompletedSuccessfully, Is.True);
        });
    }

    [TestCase("down")]
    [TestCase("garbage")]
    [TestCase("empty")]
    [TestCase("only-unusable-keys")]
    public async Task RefreshAsync_BadFetchLater_KeepsTheLastGoodSet(string failure)
    {
        var harness = await Create().LoadAsync();
        var good = harness.Store.Current;
        switch (failure)
        {
            case "down":
                harness.Memory.Failure = new HttpRequestException("503");
                break;
            case "garbage":
                harness.Memory.Jwks = "<html>oops</html>";
                break;
            case "empty":
                harness.Memory.Jwks = "{\"keys\":[]}";
                break;
            default:
                harness.Memory.Jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}";
                break;
        }

        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.Multiple(async () =>
        {
            Assert.That(loaded, Is.False);
            Assert.That(harness.Store.Current, Is.SameAs(good));
            Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.Not.Null);
            Assert.That((await harness.VerifyAsync(KubeTokens.Token())).Succeeded, Is.True);
        });
    }

    [Test]
    public async Task RefreshAsync_FetchHangs_TimesOutOnTheInjectedClock()
    {
        var harness = await Create(o => o.Keys.FetchTimeout = TimeSpan.FromSeconds(10)).LoadAsync();
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");
        harness.Memory.Gate = new TaskCompletionSource();

        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        await Eventually.AdvanceWhenScheduled(harness.Time, TimeSpan.FromSeconds(10), "the fetch started its timeout");

        Assert.That(await refresh.WaitAsync(TimeSpan.FromSeconds(10)), Is.False);
        Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.EqualTo("timed out after 00:00:10 (Verifier:Keys:FetchTimeout)"));
        Assert.That(TriggerResults(refreshes), Is.EqualTo(new[] { "periodic/failure" }));
    }

    [Test]
    public async Task RefreshAsync_ConfiguredIssuers_OverrideTheDiscoveredOne()
    {
        var harness = await Create(o => o.Issuers = ["https://a.example", "https://b.example"]).LoadAsync();

        Assert.That(harness.Store.Current!.Issuers, Is.EqualTo(new[] { "https://a.example", "https://b.example" }));
        Assert.That(StoreLogs().Single(r => r.Id.Name == "KeysLoaded").Message, Does.EndWith("accepted issuer(s): https://a.example, https://b.example"));
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(issuer: "https://b.example"));
        Assert.That((await harness.VerifyAsync(token)).Succeeded, Is.True);
        Assert.That((await harness.VerifyAsync(KubeTokens.Token())).Reason, Is.EqualTo(VerificationFailureReason.WrongIssuer));
    }

    [Test]
    public async Task RefreshAsync_NoIssuerAnywhere_RejectsTheSet()
    {
        var harness = Create();
        harness.Memory.Issuer = null;

        Assert.That(await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup), Is.False);
        Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Does.Contain("no issuer"));
    }

    [Test]
    public async Task RefreshAsync_UnchangedKeys_ReusesKeyInstancesAndMovesFetchedAt()
    {
        var harness = await Create().LoadAsync();
        var before = harness.Store.Current!;
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        var after = harness.Store.Current!;
        Assert.That(after, Is.Not.SameAs(before));
        Assert.That(after.Keys[0], Is.SameAs(before.Keys[0]));
        Assert.That(after.FetchedAt, Is.EqualTo(before.FetchedAt.AddMinutes(5)));
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_WithinCooldown_TransientWithoutFetch()
    {
        var harness = await Create().LoadAsync();
        var snapshot = harness.Store.Current!;

        var first = await harness.Store.ResolveUnknownKeyIdAsync("a", snapshot, CancellationToken.None);
        var current = harness.Store.Current!;
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        var second = await harness.Store.ResolveUnknownKeyIdAsync("b", current, CancellationToken.None);
        harness.Time.Advance(harness.Options.Keys.UnknownKeyCooldown - TimeSpan.FromSeconds(10));
        var third = await harness.Store.ResolveUnknownKeyIdAsync("c", current, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unknown), "a fetch since the kid was first seen lacks it");
            Assert.That(second.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unavailable), "within the cooldown: transient, never a 401");
            Assert.That(second.Detail, Does.Contain("may run in 20 s (Verifier:Keys:UnknownKeyCooldown)"), "30 s cooldown, 10 s of it gone");
            Assert.That(third.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unknown), "after the cooldown a fetch settles the kid");
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_FetchLacksKid_UnknownAndRemembered()
    {
        var harness = await Create().LoadAsync();

        var first = await harness.Store.ResolveUnknownKeyIdAsync("bogus", harness.Store.Current!, CancellationToken.None);
        var repeated = await harness.Store.ResolveUnknownKeyIdAsync("bogus", harness.Store.Current!, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unknown));
            Assert.That(repeated.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unknown), "remembered: no fetch");
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2), "the load and one unknown-kid refresh");
            Assert.That(harness.Store.UnknownKeyIdCount, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_RefreshFails_TransientNeverUnknown()
    {
        var harness = await Create().LoadAsync();
        harness.Memory.Failure = new KeyFetchException("JWKS answered 503");

        var answer = await harness.Store.ResolveUnknownKeyIdAsync("new-key", harness.Store.Current!, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unavailable), "a valid token of a key we could not fetch gets 503, not 401");
            Assert.That(answer.Detail, Does.Contain("could not be refreshed").And.Contain("503"));
            Assert.That(harness.Store.UnknownKeyIdCount, Is.Zero);
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_NewKeyPublished_TryAgainWithTheNewSet()
    {
        var harness = await Create().LoadAsync();
        var before = harness.Store.Current!;
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);

        var answer = await harness.Store.ResolveUnknownKeyIdAsync(KubeTokens.Rsa2.KeyId, before, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.TryAgain));
            Assert.That(answer.Snapshot, Is.SameAs(harness.Store.Current).And.Not.SameAs(before));
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_CancelledCaller_StartsNoFetch()
    {
        var harness = await Create().LoadAsync();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        Assert.That(
            async () => await harness.Store.ResolveUnknownKeyIdAsync("new-key", harness.Store.Current!, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(harness.Memory.FetchCount, Is.EqualTo(1), "only the load");
    }

    [Test]
    public async Task GetStatus_AfterLoad_ReportsKeysAndAge()
    {
        var harness = await Create().LoadAsync();
        harness.Time.Advance(TimeSpan.FromHours(2));

        var status = harness.Store.GetStatus(VerificationMode.Local);

        Assert.Multiple(() =>
        {
            Assert.That(status.IsReady, Is.True);
            Assert.That(status.KeyCount, Is.EqualTo(1));
            Assert.That(status.KeysFetchedAt, Is.EqualTo(KubeTokens.Now));
            Assert.That(status.KeysStale, Is.True, "older than the refresh interval with jitter");
            Assert.That(status.KeysExpired, Is.False);
        });
    }

    [TestCase("io", "disk gone")]
    [TestCase("invalid-operation", "no scheme")]
    [TestCase("http-timeout", "timed out: The request was canceled due to the configured HttpClient.Timeout")]
    [TestCase("unexpected", "unexpected error: not a number")]
    public async Task RefreshAsync_SourceThrows_FalseAndTheErrorKeptForStatus(string failure, string expectedError)
    {
        var harness = await Create().LoadAsync();
        var good = harness.Store.Current;
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");
        harness.Memory.Failure = failure switch
        {
            "io" => new IOException("disk gone"),
            "invalid-operation" => new InvalidOperationException("no scheme"),
            "http-timeout" => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()),
            _ => new FormatException("not a number"),
        };

        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(loaded, Is.False, "a refresh never faults its waiters");
            Assert.That(harness.Store.Current, Is.SameAs(good));
            Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.EqualTo(expectedError));
            Assert.That(TriggerResults(refreshes), Is.EqualTo(new[] { "periodic/failure" }));
        });
    }

    [Test]
    public async Task RefreshAsync_FailuresAsTheKeysAge_LogFailedThenStaleThenExpired()
    {
        var harness = Create();
        var keys = harness.Options.Keys;
        var staleAfter = (keys.RefreshInterval * (1 + keys.RefreshJitter)) + keys.FetchTimeout;
        var statuses = new List<(bool Stale, bool Expired)>();

        async Task FailAt(TimeSpan age)
        {
            harness.Time.SetUtcNow(KubeTokens.Now + age);
            await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
            var status = harness.Store.GetStatus(VerificationMode.Local);
            statuses.Add((status.KeysStale, status.KeysExpired));
        }

        harness.Memory.Failure = new KeyFetchException("JWKS answered 503");
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);
        harness.Memory.Failure = null;
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);
        harness.Memory.Failure = new KeyFetchException("JWKS answered 503");
        await FailAt(staleAfter);
        await FailAt(staleAfter + TimeSpan.FromTicks(1));
        await FailAt(keys.MaxStaleness);
        await FailAt(keys.MaxStaleness + TimeSpan.FromTicks(1));

        var events = StoreEvents();
        Assert.Multiple(() =>
        {
            Assert.That(events, Is.EqualTo(new[] { "RefreshFailedNoKeys", "KeysLoaded", "RefreshFailed", "KeysStale", "KeysStale", "KeysExpired" }));
            Assert.That(statuses, Is.EqualTo(new[] { (false, false), (true, false), (true, false), (true, true) }), "status: stale past the refresh interval, expired past MaxStaleness");
        });
    }

    [Test]
    public async Task RefreshAsync_WhatChanged_LoadedWhenKeysOrIssuersChangeElseConfirmed()
    {
        var harness = await Create().LoadAsync();

        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Issuer = "https://other.example";
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa2);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        var events = StoreEvents();
        Assert.That(events, Is.EqualTo(new[] { "KeysLoaded", "KeysConfirmed", "KeysLoaded", "KeysLoaded", "KeysLoaded", "KeysLoaded" }), "load, same, key added, key removed, issuer changed, key replaced by another");
    }

    [Test]
    public async Task CurrentMaxAge_FollowsTheResponseThatLoadedTheKeys()
    {
        var harness = Create();
        var beforeLoad = harness.Store.CurrentMaxAge;
        var seen = new List<TimeSpan?>();
        foreach (var maxAge in new TimeSpan?[] { TimeSpan.FromSeconds(30), TimeSpan.Zero, null, TimeSpan.FromSeconds(-1) })
        {
            harness.Memory.MaxAge = maxAge;
            await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
            seen.Add(harness.Store.CurrentMaxAge);
        }

        Assert.Multiple(() =>
        {
            Assert.That(beforeLoad, Is.Null);
            Assert.That(seen, Is.EqualTo(new TimeSpan?[] { TimeSpan.FromSeconds(30), TimeSpan.Zero, null, null }), "a negative max-age means none");
        });
    }

    [Test]
    public async Task Dispose_WithAFetchInFlight_TheRefreshEndsFalseAndDisposingAgainIsHarmless()
    {
        var harness = await Create().LoadAsync();
        harness.Memory.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        harness.Store.Dispose();

        Assert.That(await refresh.WaitAsync(TimeSpan.FromSeconds(10)), Is.False, "the fetch is cancelled, its waiters get an answer");
        Assert.That(() => harness.Store.Dispose(), Throws.Nothing);
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_KidFirstSeenDuringAFetchThatStartedBefore_TransientNotUnknown()
    {
        var harness = await Create().LoadAsync();
        var seenIn = harness.Store.Current!;
        harness.Memory.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        // That fetch may have been answered before the key was published: it cannot show the kid to be unknown.
        var answer = harness.Store.ResolveUnknownKeyIdAsync("new-key", seenIn, CancellationToken.None).AsTask();
        harness.Memory.Gate.SetResult();
        var result = await answer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(refresh.IsCompletedSuccessfully && refresh.Result, Is.True);
            Assert.That(result.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unavailable));
            Assert.That(result.Detail, Does.Contain("only a key set fetched before it was first seen"));
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2), "it joined the fetch in flight");
            Assert.That(harness.Store.UnknownKeyIdCount, Is.Zero);
            Assert.That(
                StoreEvents(),
                Is.EqualTo(new[] { "KeysLoaded", "KeysConfirmed" }),
                "joining a fetch in flight is not a refresh for an unknown kid");
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_ANewerSetIsAlreadyLoaded_TryAgainWithItWithoutAFetch()
    {
        var harness = await Create().LoadAsync();
        var seenIn = harness.Store.Current!;
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        var newer = harness.Store.Current!;

        var answer = await harness.Store.ResolveUnknownKeyIdAsync("new-key", seenIn, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.TryAgain));
            Assert.That(answer.Snapshot, Is.SameAs(newer).And.Not.SameAs(seenIn));
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2), "the load and the periodic refresh, none for the kid");
            Assert.That(harness.Store.UnknownKeyIdCount, Is.Zero);
        });
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_KidTooLongToRemember_UnknownOnceAFetchSinceLacksIt()
    {
        // The negative cache keeps no kid over UnknownKeyIdCache.MaxKeyIdLength: the fetch numbers alone must decide.
        var harness = await Create().LoadAsync();
        var keyId = new string('k', UnknownKeyIdCache.MaxKeyIdLength + 1);

        var answer = await harness.Store.ResolveUnknownKeyIdAsync(keyId, harness.Store.Current!, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Kind, Is.EqualTo(UnknownKeyIdAnswerKind.Unknown), "a key set fetched after the kid was first seen lacks it");
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2), "the load and one fetch for the kid");
            Assert.That(harness.Store.UnknownKeyIdCount, Is.Zero, "too long to be remembered");
        });
    }

    [Test]
    public async Task NullArguments_ThrowArgumentNullExceptionNamingThem()
    {
        var harness = await Create().LoadAsync();
        var options = Microsoft.Extensions.Options.Options.Create(harness.Options);
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger<KeyStore>.Instance;

        Assert.Multiple(() =>
        {
            Assert.That(() => new KeyStore(null!, options, harness.Time, harness.Metrics, logger), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("source"));
            Assert.That(() => new KeyStore(harness.Source, null!, harness.Time, harness.Metrics, logger), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("options"));
            Assert.That(
                async () => await harness.Store.ResolveUnknownKeyIdAsync(null!, harness.Store.Current!, CancellationToken.None),
                Throws.ArgumentNullException.With.Property("ParamName").EqualTo("keyId"));
            Assert.That(
                async () => await harness.Store.ResolveUnknownKeyIdAsync("kid", null!, CancellationToken.None),
                Throws.ArgumentNullException.With.Property("ParamName").EqualTo("seenIn"));
        });
    }

    [Test]
    public void GetStatus_BeforeAnyKeySet_NotReadyAndNeitherStaleNorExpired()
    {
        var harness = Create();
        harness.Time.Advance(TimeSpan.FromDays(2));

        var status = harness.Store.GetStatus(VerificationMode.Hybrid);

        Assert.Multiple(() =>
        {
            Assert.That(status.Mode, Is.EqualTo(VerificationMode.Hybrid));
            Assert.That(status.IsReady, Is.False);
            Assert.That(harness.Store.IsReady, Is.False);
            Assert.That(status.KeysFetchedAt, Is.Null);
            Assert.That(status.KeyCount, Is.Zero);
            Assert.That(status.KeysStale, Is.False, "no key set is not a stale key set");
            Assert.That(status.KeysExpired, Is.False);
            Assert.That(status.LastKeyRefreshError, Is.Null);
            Assert.That(harness.Store.WaitUntilReadyAsync().IsCompleted, Is.False);
        });
    }

    [TestCase("{\"keys\":[]}", "key set from memory://jwks rejected: the key set is empty")]
    [TestCase("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"AAAA\"},{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"AAAA\"}]}", "key set from memory://jwks rejected: none of its 2 keys is usable")]
    public async Task RefreshAsync_NoUsableKey_RejectedWithTheReasonAndEachSkippedKeyLogged(string jwks, string expectedError)
    {
        var harness = Create();
        harness.Memory.Jwks = jwks;

        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);

        var records = StoreLogs();
        var skipped = records.Count(r => r.Id.Name == "KeySkipped");
        Assert.Multiple(() =>
        {
            Assert.That(loaded, Is.False);
            Assert.That(harness.Store.Current, Is.Null);
            Assert.That(harness.Store.GetStatus(VerificationMode.Local).LastKeyRefreshError, Is.EqualTo(expectedError));
            Assert.That(records.Select(r => r.Id.Name).Last(), Is.EqualTo("KeySetRejected"));
            Assert.That(skipped, Is.EqualTo(expectedError.Contains("none of its 2", StringComparison.Ordinal) ? 2 : 0), "one KeySkipped per unusable key");
        });
    }

    [Test]
    public async Task RefreshAsync_SetWithAnUnusableKey_LoadsTheOthersAndLogsTheSkippedOne()
    {
        var harness = Create();
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa).Replace("\"keys\":[", "\"keys\":[{\"kty\":\"oct\",\"kid\":\"symmetric\",\"k\":\"AAAA\"},", StringComparison.Ordinal);

        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);

        var records = StoreLogs();
        Assert.Multiple(() =>
        {
            Assert.That(loaded, Is.True);
            Assert.That(harness.Store.Current!.Keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId }));
            Assert.That(records.Select(r => r.Id.Name), Is.EqualTo(new[] { "KeySkipped", "KeysLoaded" }));
            Assert.That(records[0].Message, Does.Contain("'symmetric'").And.Contain("memory://jwks"));
        });
    }

    [Test]
    public async Task RefreshAsync_EachOutcome_CountedByTriggerAndResult()
    {
        var harness = Create();
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");

        await harness.Store.RefreshAsync(KeyRefreshTrigger.Startup);
        harness.Memory.Failure = new KeyFetchException("JWKS answered 503");
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Failure = new FormatException("not a number");
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Failure = null;
        harness.Memory.Jwks = "{\"keys\":[]}";
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa);
        await harness.Store.ResolveUnknownKeyIdAsync("a", harness.Store.Current!, CancellationToken.None);
        await harness.Store.ResolveUnknownKeyIdAsync("b", harness.Store.Current!, CancellationToken.None);

        var seen = refreshes.GetMeasurementSnapshot().Select(m => $"{m.Tags["trigger"]}/{m.Tags["result"]}={m.Value}");
        Assert.That(seen, Is.EqualTo(new[]
        {
            "startup/success=1", "periodic/failure=1", "periodic/failure=1", "periodic/invalid=1", "unknown_kid/success=1", "unknown_kid/suppressed=1",
        }), "fetch failed, source threw something unexpected, empty set, unknown kid fetched, unknown kid within the cooldown");
    }

    [Test]
    public async Task ResolveUnknownKeyIdAsync_RefreshAndSuppression_AreLogged()
    {
        var harness = await Create().LoadAsync();

        await harness.Store.ResolveUnknownKeyIdAsync("first-kid", harness.Store.Current!, CancellationToken.None);
        await harness.Store.ResolveUnknownKeyIdAsync("second-kid", harness.Store.Current!, CancellationToken.None);

        var records = StoreLogs();
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => r.Id.Name), Is.EqualTo(new[] { "KeysLoaded", "UnknownKeyIdRefresh", "KeysConfirmed", "RefreshSuppressed" }));
            Assert.That(records[1].Message, Does.Contain("first-kid"));
            Assert.That(records[3].Message, Does.Contain("second-kid"));
        });
    }

    [Test]
    public async Task KeyGauges_FollowTheCurrentKeySet()
    {
        var harness = Create();
        using var count = new MetricCollector<int>(harness.Metrics.Meter, "verifier.keys.count");
        using var age = new MetricCollector<double>(harness.Metrics.Meter, "verifier.keys.age");
        count.RecordObservableInstruments();
        var countBeforeLoad = count.LastMeasurement!.Value;
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);
        await harness.LoadAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(90));

        count.RecordObservableInstruments();
        age.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(countBeforeLoad, Is.Zero);
            Assert.That(count.LastMeasurement!.Value, Is.EqualTo(2));
            Assert.That(age.LastMeasurement!.Value, Is.EqualTo(90));
        });
    }

    [Test]
    public void StartWatching_Twice_WatchesOnceAndDisposeStopsTheWatcher()
    {
        var source = new WatchedKeySource();
        var harness = new VerifierHarness(source);
        _harness = harness;

        harness.Store.StartWatching();
        harness.Store.StartWatching();
        var stoppedBeforeDispose = source.WatcherStopped;
        harness.Store.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(source.WatchCalls, Is.EqualTo(1));
            Assert.That(stoppedBeforeDispose, Is.False);
            Assert.That(source.WatcherStopped, Is.True);
        });
    }

    [Test]
    public async Task SourceChanged_WhileIdle_ReloadsWithTheFileChangedTrigger()
    {
        var (source, harness) = await StartWatchedAsync();
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");

        source.Inner.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);
        source.RaiseChanged();

        await Eventually.WaitUntil(() => harness.Store.Current!.TryGetKeys(KubeTokens.Rsa2.KeyId, out _), "the changed source is reloaded");

        // The key set is swapped in before the reload is counted and logged: wait for its log line too.
        await Eventually.WaitUntil(() => StoreEvents().Length >= 3, "the reload is logged");
        Assert.Multiple(() =>
        {
            Assert.That(TriggerResults(refreshes), Is.EqualTo(new[] { "file_changed/success" }));
            Assert.That(StoreEvents(), Is.EqualTo(new[] { "KeysLoaded", "SourceChanged", "KeysLoaded" }));
        });
    }

    [Test]
    public async Task SourceChanged_DuringARefresh_ReloadsOnceMoreAfterIt()
    {
        var (source, harness) = await StartWatchedAsync();
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");
        source.Inner.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        // The fetch in flight may have read the source before this change: one more reload must follow it.
        source.RaiseChanged();
        var fetchesWhileInFlight = source.Inner.FetchCount;
        source.Inner.Gate.SetResult();
        await refresh.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.WaitUntil(() => refreshes.GetMeasurementSnapshot().Count == 2, "the reload after the refresh in flight");

        Assert.Multiple(() =>
        {
            Assert.That(fetchesWhileInFlight, Is.EqualTo(2), "the change joined nothing and started nothing while the fetch was in flight");
            Assert.That(source.Inner.FetchCount, Is.EqualTo(3));
            Assert.That(TriggerResults(refreshes), Is.EqualTo(new[] { "periodic/success", "file_changed/success" }));
        });
    }

    [Test]
    public async Task Dispose_WithAReloadPendingBehindAFetch_DoesNotStartIt()
    {
        var (source, harness) = await StartWatchedAsync();
        using var refreshes = new MetricCollector<long>(harness.Metrics.Meter, "verifier.keys.refreshes");
        source.Inner.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        source.RaiseChanged();

        harness.Store.Dispose();

        Assert.That(await refresh.WaitAsync(TimeSpan.FromSeconds(10)), Is.False);
        await Eventually.StaysFalse(
            () => source.Inner.FetchCount > 2 || refreshes.GetMeasurementSnapshot().Any(m => Equals(m.Tags["trigger"], KeyRefreshTrigger.FileChanged)),
            TimeSpan.FromMilliseconds(300),
            "a reload (fetched or failed) after dispose");
    }

    /// <summary>An <see cref="InMemoryKeySource"/> that can also be watched: the test raises the change notification.</summary>
    private sealed class WatchedKeySource : IKeySource
    {
        private Action? _onChange;
        private int _watchCalls;
        private int _stopped;

        public InMemoryKeySource Inner { get; } = new();

        public int WatchCalls => Volatile.Read(ref _watchCalls);

        public bool WatcherStopped => Volatile.Read(ref _stopped) == 1;

        public string Description => Inner.Description;

        public Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken) => Inner.FetchAsync(cancellationToken);

        public IDisposable? Watch(Action onChange)
        {
            Interlocked.Increment(ref _watchCalls);
            _onChange = onChange;
            return new Stop(() => Volatile.Write(ref _stopped, 1));
        }

        public void RaiseChanged() => _onChange!.Invoke();

        private sealed class Stop(Action stop) : IDisposable
        {
            public void Dispose() => stop();
        }
    }
}
