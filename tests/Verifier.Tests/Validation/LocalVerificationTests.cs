using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Validation;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class LocalVerificationTests : IDisposable
{
    private VerifierHarness? _harness;

    private async Task<VerifierHarness> StartAsync(Action<KubernetesTokenVerifierOptions>? configure = null, bool load = true)
    {
        _harness = new VerifierHarness(configure: configure);
        return load ? await _harness.LoadAsync() : _harness;
    }

    public void Dispose() => _harness?.Dispose();

    [Test]
    public async Task VerifyAsync_BeforeFirstKeySet_ReturnsKeysUnavailableAndReadinessWaits()
    {
        var harness = await StartAsync(load: false);
        var ready = harness.Verifier.WaitUntilReadyAsync();

        var before = await harness.VerifyAsync(KubeTokens.Token());
        var statusBefore = harness.Verifier.GetStatus();
        await harness.LoadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(before.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(before.IsTransient, Is.True);
            Assert.That(statusBefore.IsReady, Is.False);
            Assert.That(ready.Wait(TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(harness.Verifier.GetStatus().IsReady, Is.True);
        });
    }

    [Test]
    public async Task VerifyAsync_ValidToken_CompletesSynchronouslyWithIdentity()
    {
        var harness = await StartAsync();

        var pending = harness.Verifier.VerifyAsync(KubeTokens.Token());
        var completedSynchronously = pending.IsCompletedSuccessfully;
        var result = await pending;

        Assert.That(completedSynchronously, Is.True);
        Assert.That(result.Identity?.Username, Is.EqualTo("system:serviceaccount:default:default"));
    }

    [Test]
    public async Task VerifyAsync_SameTokenTwice_ReturnsTheCachedInstance()
    {
        var harness = await StartAsync();
        var token = KubeTokens.Token();

        var first = await harness.VerifyAsync(token);
        var second = await harness.VerifyAsync(token);

        Assert.That(second, Is.SameAs(first));
        Assert.That(harness.Local.Cache!.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task VerifyAsync_CachedTokensSignatureOnAnotherPayload_IsVerifiedInFullNotServedFromCache()
    {
        var harness = await StartAsync();
        var token = KubeTokens.Token();
        var cached = await harness.VerifyAsync(token);
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var otherPayload = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(ns: "kube-system"));

        // The cache's entry key is the signature's keyed hash: this token shares it and must still not hit.
        var forged = await harness.VerifyAsync(otherPayload[..(otherPayload.LastIndexOf('.') + 1)] + signature);
        var again = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(cached.Succeeded, Is.True, cached.ToString());
            Assert.That(forged.Succeeded, Is.False);
            Assert.That(forged.Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
            Assert.That(again, Is.SameAs(cached), "the genuine token still hits its entry");
        });
    }

    [Test]
    public async Task VerifyAsync_CopiedSignatureWithFailureTtl_NeverServesTheOtherTokensVerdict()
    {
        var harness = await StartAsync(o => o.Cache.FailureTtl = TimeSpan.FromSeconds(30));
        var token = KubeTokens.Token();
        var forged = TokenValidatorTests.Hostile("tampered-payload");
        forged = forged[..(forged.LastIndexOf('.') + 1)] + token[(token.LastIndexOf('.') + 1)..];

        var first = await harness.VerifyAsync(token);
        var rejected = await harness.VerifyAsync(forged);
        var genuine = await harness.VerifyAsync(token);
        var rejectedAgain = await harness.VerifyAsync(forged);

        Assert.Multiple(() =>
        {
            Assert.That(first.Succeeded, Is.True, first.ToString());
            Assert.That(rejected.Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
            Assert.That(genuine.Succeeded, Is.True, "a cached failure under the same entry key is not this token's");
            Assert.That(rejectedAgain.Succeeded, Is.False, "nor is the success this one's");
        });
    }

    [Test]
    public async Task VerifyAsync_CachedSuccess_EndsAtExpiryPlusLeeway()
    {
        var harness = await StartAsync();
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(lifetimeSeconds: 10));
        var first = await harness.VerifyAsync(token);

        harness.Time.Advance(TimeSpan.FromSeconds(70));
        var atEdge = await harness.VerifyAsync(token);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var past = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(atEdge, Is.SameAs(first), "exp + 60 s is still valid, and still cached");
            Assert.That(past.Reason, Is.EqualTo(VerificationFailureReason.Expired));
        });
    }

    [Test]
    public async Task VerifyAsync_CachedSuccess_IsRevalidatedAfterSuccessTtl()
    {
        var harness = await StartAsync(o => o.Cache.SuccessTtl = TimeSpan.FromMinutes(1));
        var token = KubeTokens.Token();
        var first = await harness.VerifyAsync(token);

        harness.Time.Advance(TimeSpan.FromSeconds(61));
        var again = await harness.VerifyAsync(token);

        Assert.That(again, Is.Not.SameAs(first));
        Assert.That(again.Succeeded, Is.True);
    }

    [Test]
    public async Task VerifyAsync_Failure_IsNotCachedByDefault()
    {
        var harness = await StartAsync();

        await harness.VerifyAsync(TokenValidatorTests.Hostile("tampered-payload"));

        Assert.That(harness.Local.Cache!.Count, Is.Zero);
    }

    [Test]
    public async Task VerifyAsync_FailureWithFailureTtl_IsCachedButTransientOnesAreNot()
    {
        var harness = await StartAsync(o => o.Cache.FailureTtl = TimeSpan.FromSeconds(30));

        var bad = await harness.VerifyAsync(TokenValidatorTests.Hostile("tampered-payload"));
        await harness.VerifyAsync(TokenValidatorTests.Hostile("unknown-kid"));

        Assert.That(bad.Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
        Assert.That(harness.Local.Cache!.Count, Is.EqualTo(1), "unknown kids may become known: never cached");
    }

    [Test]
    public async Task VerifyAsync_ManyDistinctTokens_CacheStaysWithinMaxEntries()
    {
        var harness = await StartAsync(o => o.Cache.MaxEntries = 50);
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Ec256);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        var succeeded = 0;
        for (var i = 0; i < 200; i++)
        {
            var claims = KubeTokens.BoundClaims();
            claims["jti"] = Guid.NewGuid().ToString();
            if ((await harness.VerifyAsync(KubeTokens.Sign(KubeTokens.Ec256, claims))).Succeeded)
            {
                succeeded++;
            }
        }

        Assert.That(succeeded, Is.EqualTo(200));
        Assert.That(harness.Local.Cache!.Count, Is.InRange(1, 50));
    }

    [Test]
    public async Task VerifyAsync_CacheDisabled_StillVerifies()
    {
        var harness = await StartAsync(o => o.Cache.Enabled = false);
        var token = KubeTokens.Token();

        var first = await harness.VerifyAsync(token);
        var second = await harness.VerifyAsync(token);

        Assert.That(harness.Local.Cache, Is.Null);
        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second.Succeeded, Is.True);
    }

    [TestCase(20 * 1024, 16 * 1024)]
    [TestCase(1024 * 1024, 16 * 1024)]
    public async Task VerifyAsync_TokenOverSizeLimit_IsTooLargeWithoutDecoding(int length, int limit)
    {
        var harness = await StartAsync(o => o.Validation.MaxTokenBytes = limit);

        var result = await harness.VerifyAsync(new string('A', length));

        Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.TooLarge));
    }

    [Test]
    public async Task VerifyAsync_RealTokenOverConfiguredLimit_IsTooLarge()
    {
        var harness = await StartAsync(o => o.Validation.MaxTokenBytes = 500);

        Assert.That((await harness.VerifyAsync(KubeTokens.Token())).Reason, Is.EqualTo(VerificationFailureReason.TooLarge));
    }

    [TestCase("")]
    [TestCase("caf\u00e9.x.y")]
    [TestCase("\u0000\u0001.\u0002.\u0003")]
    public async Task VerifyAsync_EmptyOrNonAsciiToken_IsMalformed(string token)
    {
        var harness = await StartAsync();

        Assert.That((await harness.VerifyAsync(token)).Reason, Is.EqualTo(VerificationFailureReason.Malformed));
    }

    [Test]
    public async Task VerifyAsync_NullToken_IsMalformed()
    {
        var harness = await StartAsync();

        Assert.That((await harness.VerifyAsync(null!)).Reason, Is.EqualTo(VerificationFailureReason.Malformed));
    }

    [Test]
    public async Task VerifyAsync_NewKidAfterRotation_AcceptedAfterExactlyOneOnDemandRefresh()
    {
        var harness = await StartAsync();
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);

        var result = await harness.VerifyAsync(KubeTokens.Token(KubeTokens.Rsa2));
        var again = await harness.VerifyAsync(KubeTokens.Token(KubeTokens.Rsa2));

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.ToString());
            Assert.That(result.Identity?.KeyId, Is.EqualTo(KubeTokens.Rsa2.KeyId));
            Assert.That(again.Succeeded, Is.True);
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2), "startup + one on-demand refresh");
        });
    }

    [Test]
    public async Task VerifyAsync_KidRemovedFromKeySet_RejectedAndCachedResultDropped()
    {
        var harness = await StartAsync();
        var token = KubeTokens.Token(KubeTokens.Rsa);
        Assert.That((await harness.VerifyAsync(token)).Succeeded, Is.True);
        Assert.That(harness.Local.Cache!.Count, Is.EqualTo(1));

        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa2);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        var result = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.UnknownKey), "the cached success does not outlive its key");
            Assert.That(harness.Local.Cache.Count, Is.Zero, "the hit found its key gone and dropped the entry");
        });
    }

    [Test]
    public async Task VerifyAsync_KeyReplacedUnderSameKid_DropsCachedResultsOfTheOldKey()
    {
        var harness = await StartAsync();
        harness.Memory.Jwks = "{\"keys\":[" + KubeTokens.Rsa.ToJwkJson().Replace(KubeTokens.Rsa.KeyId, "k1", StringComparison.Ordinal) + "]}";
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"k1\"}");
        Assert.That((await harness.VerifyAsync(token)).Succeeded, Is.True);

        harness.Memory.Jwks = "{\"keys\":[" + KubeTokens.Rsa2.ToJwkJson().Replace(KubeTokens.Rsa2.KeyId, "k1", StringComparison.Ordinal) + "]}";
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.That((await harness.VerifyAsync(token)).Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
    }

    [Test]
    public async Task VerifyAsync_UnchangedKeySetRefreshed_KeepsCachedResults()
    {
        var harness = await StartAsync();
        var token = KubeTokens.Token();
        var first = await harness.VerifyAsync(token);

        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.That(await harness.VerifyAsync(token), Is.SameAs(first));
    }

    [Test]
    public async Task VerifyAsync_FloodOfRandomUnknownKids_CostsAtMostOneFetchPerCooldown()
    {
        var harness = await StartAsync();
        var payload = JwtWriter.Encode(KubeTokens.Json(KubeTokens.BoundClaims()));
        string BogusToken() => JwtWriter.Encode("{\"alg\":\"RS256\",\"kid\":\"" + Guid.NewGuid().ToString("N") + "\"}") + "." + payload + ".AAAA";

        // Hold the on-demand fetch so the whole flood arrives while it is in flight.
        harness.Memory.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flood = new List<Task<TokenVerificationResult>>(10_000);
        for (var i = 0; i < 10_000; i++)
        {
            flood.Add(harness.Verifier.VerifyAsync(BogusToken()).AsTask());
        }

        var fetchesDuringFlood = harness.Memory.FetchCount;
        harness.Memory.Gate.SetResult();
        var results = await Task.WhenAll(flood).WaitAsync(TimeSpan.FromSeconds(60));

        // Within the cooldown: more bogus kids cost nothing.
        for (var i = 0; i < 1000; i++)
        {
            await harness.VerifyAsync(BogusToken());
        }

        var fetchesWithinCooldown = harness.Memory.FetchCount;
        harness.Time.Advance(harness.Options.Keys.UnknownKeyCooldown);
        for (var i = 0; i < 1000; i++)
        {
            await harness.VerifyAsync(BogusToken());
        }

        Assert.Multiple(() =>
        {
            Assert.That(fetchesDuringFlood, Is.EqualTo(2), "startup + one on-demand fetch");
            Assert.That(results.Count(r => r.Reason == VerificationFailureReason.UnknownKey), Is.EqualTo(1), "the kid whose request started the fetch");
            Assert.That(
                results.All(r => r.Reason is VerificationFailureReason.UnknownKey or VerificationFailureReason.KeysUnavailable),
                Is.True,
                "kids first seen while the fetch ran are transient (503): that fetch does not prove them unknown");
            Assert.That(fetchesWithinCooldown, Is.EqualTo(2));
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(3), "one more after the cooldown");
            Assert.That(harness.Store.UnknownKeyIdCount, Is.InRange(1, harness.Options.Keys.UnknownKeyNegativeCacheSize));
        });
    }

    [Test]
    public async Task VerifyAsync_SameUnknownKidAfterCooldown_IsAnsweredFromTheNegativeCache()
    {
        var harness = await StartAsync();
        var token = TokenValidatorTests.Hostile("unknown-kid");
        await harness.VerifyAsync(token);
        harness.Time.Advance(harness.Options.Keys.UnknownKeyCooldown + TimeSpan.FromSeconds(1));

        var again = await harness.VerifyAsync(token);
        var fetchesAfterRepeat = harness.Memory.FetchCount;
        harness.Time.Advance(harness.Options.Keys.UnknownKeyNegativeCacheTtl);
        await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(again.Reason, Is.EqualTo(VerificationFailureReason.UnknownKey));
            Assert.That(fetchesAfterRepeat, Is.EqualTo(2), "startup + the first unknown-kid refresh only");
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(3), "remembered only for the negative-cache TTL");
        });
    }

    [Test]
    public async Task VerifyAsync_UnknownKidWhileKeySourceIsDown_IsNotRememberedAsUnknown()
    {
        var harness = await StartAsync();
        harness.Memory.Failure = new KeyFetchException("down");

        var result = await harness.VerifyAsync(TokenValidatorTests.Hostile("unknown-kid"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable), "503: the kid may belong to a key we could not fetch");
            Assert.That(result.IsTransient, Is.True);
            Assert.That(result.Message, Does.Contain("could not be refreshed"));
            Assert.That(harness.Store.UnknownKeyIdCount, Is.Zero);
            Assert.That(harness.Memory.FetchCount, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task VerifyAsync_BadSignatureUnderKnownKid_NeverTriggersAFetch()
    {
        var harness = await StartAsync();

        for (var i = 0; i < 20; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(1));
            Assert.That((await harness.VerifyAsync(TokenValidatorTests.Hostile("other-key-known-kid"))).Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
        }

        Assert.That(harness.Memory.FetchCount, Is.EqualTo(1));
    }

    [Test]
    public async Task VerifyAsync_CallerCancelsWhileRefreshRuns_RefreshStillCompletesForOthers()
    {
        var harness = await StartAsync();
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);
        harness.Memory.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();

        var waiting = harness.Verifier.VerifyAsync(KubeTokens.Token(KubeTokens.Rsa2), cancel.Token).AsTask();
        await cancel.CancelAsync();
        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        harness.Memory.Gate.SetResult();

        Assert.That(await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic).WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That((await harness.VerifyAsync(KubeTokens.Token(KubeTokens.Rsa2))).Succeeded, Is.True);
    }

    [Test]
    public async Task VerifyAsync_KeysOlderThanMaxStaleness_ReturnsKeysUnavailableEvenForCachedTokens()
    {
        var harness = await StartAsync(o => o.Keys.MaxStaleness = TimeSpan.FromHours(24));
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(lifetimeSeconds: 3 * 86400));
        Assert.That((await harness.VerifyAsync(token)).Succeeded, Is.True);
        harness.Memory.Failure = new KeyFetchException("JWKS down");

        harness.Time.Advance(TimeSpan.FromHours(24));
        var atLimit = await harness.VerifyAsync(token);
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var past = await harness.VerifyAsync(token);
        var status = harness.Verifier.GetStatus();

        Assert.Multiple(() =>
        {
            Assert.That(atLimit.Succeeded, Is.True);
            Assert.That(past.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(past.IsTransient, Is.True);
            Assert.That(status.KeysExpired, Is.True);
            Assert.That(status.KeysStale, Is.True);
            Assert.That(status.LastKeyRefreshError, Does.Contain("JWKS down"));
        });
    }

    [Test]
    public async Task VerifyAsync_ExtendedKubeToken_ReportsWarnAfter()
    {
        var harness = await StartAsync();
        var claims = KubeTokens.BoundClaims(lifetimeSeconds: 365 * 86400);
        ((JsonObject)claims["kubernetes.io"]!)["warnafter"] = KubeTokens.NowSeconds + 3607;

        var result = await harness.VerifyAsync(KubeTokens.Sign(KubeTokens.Rsa, claims));

        Assert.That(result.Identity?.WarnAfter, Is.EqualTo(KubeTokens.Now.AddSeconds(3607)));
    }

    [Test]
    public async Task VerifyAsync_NewKeyWhileKeysCannotBeFetched_TransientUntilAFetchSucceedsThenAccepted()
    {
        var harness = await StartAsync();
        harness.Memory.Jwks = KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2);
        harness.Memory.Failure = new KeyFetchException("JWKS answered 503");
        var token = KubeTokens.Token(KubeTokens.Rsa2);

        var whileDown = await harness.VerifyAsync(token);
        var withinCooldown = await harness.VerifyAsync(token);
        var fetchesWhileDown = harness.Memory.FetchCount;
        harness.Memory.Failure = null;
        harness.Time.Advance(harness.Options.Keys.UnknownKeyCooldown);
        var afterRecovery = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(whileDown.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable), "503: the client keeps its token and retries");
            Assert.That(withinCooldown.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable), "never a 401 within the cooldown either");
            Assert.That(fetchesWhileDown, Is.EqualTo(2), "startup + one attempt; the cooldown holds the rest");
            Assert.That(afterRecovery.Succeeded, Is.True, afterRecovery.ToString());
        });
    }

    [Test]
    public async Task VerifyAsync_CachedNotYetValid_EndsAtNotBeforeMinusLeeway()
    {
        var harness = await StartAsync(o => o.Cache.FailureTtl = TimeSpan.FromHours(1));
        var token = KubeTokens.Sign(KubeTokens.Rsa, KubeTokens.BoundClaims(issuedAt: KubeTokens.NowSeconds + 600));

        var early = await harness.VerifyAsync(token);
        var cached = harness.Local.Cache!.Count;
        harness.Time.Advance(TimeSpan.FromSeconds(600) - harness.Options.Validation.NotBeforeLeeway);
        var atNotBeforeMinusLeeway = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(early.Reason, Is.EqualTo(VerificationFailureReason.NotYetValid));
            Assert.That(cached, Is.EqualTo(1), "the failure was cached");
            Assert.That(atNotBeforeMinusLeeway.Succeeded, Is.True, "a cached NotYetValid must not outlive nbf - leeway: " + atNotBeforeMinusLeeway);
        });
    }

    [Test]
    public async Task VerifyAsync_CachedBadSignatureAfterKeySetSwap_VerifiedAgain()
    {
        var harness = await StartAsync(o => o.Cache.FailureTtl = TimeSpan.FromHours(1));
        var forged = KubeTokens.Sign(KubeTokens.Rsa2, KubeTokens.BoundClaims(), "{\"alg\":\"RS256\",\"kid\":\"" + KubeTokens.Rsa.KeyId + "\"}");
        var first = await harness.VerifyAsync(forged);
        var cachedBefore = harness.Local.Cache!.Count;

        // The same kid now names another key, the one that did sign the token.
        harness.Memory.Jwks = "{\"keys\":[" + KubeTokens.Rsa2.ToJwkJson().Replace(KubeTokens.Rsa2.KeyId, KubeTokens.Rsa.KeyId, StringComparison.Ordinal) + "]}";
        await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        var second = await harness.VerifyAsync(forged);

        Assert.Multiple(() =>
        {
            Assert.That(first.Reason, Is.EqualTo(VerificationFailureReason.BadSignature));
            Assert.That(cachedBefore, Is.EqualTo(1));
            Assert.That(second.Succeeded, Is.True, "a cached failure holds only for the key set it was reached with: " + second);
        });
    }
}
