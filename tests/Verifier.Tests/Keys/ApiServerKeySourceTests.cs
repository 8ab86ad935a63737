using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

/// <summary>The verifier against LocalApiServer over real HTTPS on 127.0.0.1, with a shared manual clock.</summary>
public sealed class ApiServerKeySourceTests
{
    [Test]
    public async Task Verify_PodBoundTokenFromApiServer_MatchesTokenReviewFieldByField()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        await harness.WaitUntilReadyAsync();
        var token = harness.IssueToken(pod: "web-0");

        var local = await harness.VerifyAsync(token);
        var review = harness.Server.ReviewToken(token, [KubeTokens.Audience]);

        Assert.That(review.Authenticated, Is.True, review.Error);
        Assert.That(local.Succeeded, Is.True, local.ToString());
        var identity = local.Identity!;
        Assert.Multiple(() =>
        {
            Assert.That(identity.Username, Is.EqualTo(review.Username));
            Assert.That(identity.Uid, Is.EqualTo(review.Uid));
            Assert.That(identity.Groups, Is.EqualTo(review.Groups));
            Assert.That(identity.Extra.Keys.Order(StringComparer.Ordinal), Is.EqualTo(review.Extra.Keys.Order(StringComparer.Ordinal)));
            foreach (var (key, values) in review.Extra)
            {
                Assert.That(identity.Extra[key], Is.EqualTo(values), key);
            }

            Assert.That(identity.Audiences, Is.EqualTo(review.Audiences));
            Assert.That(identity.Issuer, Is.EqualTo(harness.Server.Issuer));
            Assert.That(identity.KeyId, Is.EqualTo(harness.Server.SigningKey.KeyId));
        });
    }

    [Test]
    public async Task StartAsync_ApiServerSource_FetchesDiscoveryAndJwksFromTheApiServerWithCredentials()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        await harness.WaitUntilReadyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(harness.Server.Counters.Count(ApiEndpoint.OidcDiscovery, 200), Is.EqualTo(1));
            Assert.That(harness.Server.Counters.Count(ApiEndpoint.Jwks, 200), Is.EqualTo(1));
            Assert.That(harness.Store.Current!.Origin, Is.EqualTo(new Uri(harness.Server.BaseAddress, "/openid/v1/jwks").ToString()));
            Assert.That(harness.Store.Current.Issuers, Is.EqualTo(new[] { harness.Server.Issuer }));
        });
    }

    [Test]
    public async Task StartAsync_WithoutTheVerifiersToken_FailsWith403AndStaysUnready()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.ApiServer.TokenFile = null);
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the first refresh failed");

        var status = harness.Verifier.GetStatus();
        Assert.That(status.IsReady, Is.False);
        Assert.That(status.LastKeyRefreshError, Does.Contain("403"));
        Assert.That((await harness.VerifyAsync(harness.IssueToken())).Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
    }

    [Test]
    public async Task StartAsync_KeyEndpointsDownAtStart_ReadyAfterTheyRecover()
    {
        // Longer than a fetch's timeout (10 s), so the worker's retry delay is told apart from a fetch in flight.
        var retryInterval = TimeSpan.FromSeconds(30);
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.Keys.RetryInterval = retryInterval, startHost: false);
        harness.Server.Faults.SetKeyEndpoints(ApiFault.Unavailable());
        await harness.Host.StartAsync();
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the startup refresh failed");
        var whileDown = await harness.VerifyAsync(harness.IssueToken());
        var errorWhileDown = harness.Verifier.GetStatus().LastKeyRefreshError;

        harness.Server.Faults.ClearAll();
        await Eventually.AdvanceWhenScheduled(harness.Time, retryInterval, "the worker waits to retry");
        await harness.WaitUntilReadyAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(whileDown.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(errorWhileDown, Does.Contain("503"));
            Assert.That((await harness.VerifyAsync(harness.IssueToken())).Succeeded, Is.True);
        });
    }

    [Test]
    public async Task Worker_JwksDownLater_KeepsServingTheLastGoodKeys()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        await harness.WaitUntilReadyAsync();
        var good = harness.Store.Current;
        harness.Server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Unavailable());
        var fetches = harness.JwksFetches;

        await Eventually.AdvanceWhenScheduled(harness.Time, TimeSpan.FromHours(1), "the worker waits for its periodic refresh");
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the periodic refresh failed");

        Assert.Multiple(async () =>
        {
            Assert.That(harness.JwksFetches, Is.EqualTo(fetches + 1));
            Assert.That(harness.Store.Current, Is.SameAs(good));
            Assert.That((await harness.VerifyAsync(harness.IssueToken())).Succeeded, Is.True);
        });
    }

    [TestCase("malformed")]
    [TestCase("empty")]
    [TestCase("html")]
    public async Task RefreshAsync_GarbageJwks_KeepsTheOldKeys(string garbage)
    {
        await using var harness = await ApiServerHarness.StartAsync();
        await harness.WaitUntilReadyAsync();
        var good = harness.Store.Current;
        harness.Server.Faults.Set(ApiEndpoint.Jwks, garbage switch
        {
            "malformed" => ApiFault.MalformedJwks(),
            "empty" => ApiFault.EmptyJwks(),
            _ => ApiFault.ReplaceBody("<html><body>Service Unavailable</body></html>"),
        });

        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.That(loaded, Is.False);
        Assert.That(harness.Store.Current, Is.SameAs(good));
        Assert.That((await harness.VerifyAsync(harness.IssueToken())).Succeeded, Is.True);
    }

    [Test]
    public async Task Verify_KeyRotation_NewKidAfterOneFetchAndRetiredKidRejectedWithCacheDropped()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        using var next = SigningKey.CreateRsa();
        await harness.WaitUntilReadyAsync();
        var oldKid = harness.Server.SigningKey.KeyId;
        var oldToken = harness.IssueToken();
        Assert.That((await harness.VerifyAsync(oldToken)).Succeeded, Is.True);

        // kube's rotation: publish the new key, switch the signer, retire the old key later.
        harness.Server.AddPublicKey(next);
        harness.Server.SetSigningKey(next);
        var before = harness.JwksFetches;
        var newResult = await harness.VerifyAsync(harness.IssueToken());
        var afterNew = harness.JwksFetches;

        // The verifier's own token was signed by the old key too: the kubelet hands it a new one first.
        await harness.RenewVerifierTokenAsync();
        harness.Server.RetireKey(oldKid);
        Assert.That(await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic), Is.True, harness.Verifier.GetStatus().LastKeyRefreshError);
        var oldResult = await harness.VerifyAsync(oldToken);
        var cachedAfterRetire = harness.Local.Cache!.Count;

        Assert.Multiple(() =>
        {
            Assert.That(newResult.Succeeded, Is.True, newResult.ToString());
            Assert.That(newResult.Identity?.KeyId, Is.EqualTo(next.KeyId));
            Assert.That(afterNew - before, Is.EqualTo(1), "exactly one on-demand JWKS fetch");
            Assert.That(cachedAfterRetire, Is.EqualTo(1), "the retired key's cached result is dropped by the hit that finds its key gone");
            Assert.That(oldResult.Reason, Is.EqualTo(VerificationFailureReason.UnknownKey));
        });
    }

    [Test]
    public async Task Verify_SlowJwksWith200ConcurrentCallersOfANewKey_OneSharedFetchAndAllAccepted()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        using var next = SigningKey.CreateRsa();
        await harness.WaitUntilReadyAsync();
        harness.Server.AddPublicKey(next);
        harness.Server.SetSigningKey(next);
        var tokens = Enumerable.Range(0, 200).Select(_ => harness.IssueToken()).ToArray();
        harness.Server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Delay(TimeSpan.FromMilliseconds(500)));
        var before = harness.JwksFetches;

        var results = await Task.WhenAll(tokens.Select(t => harness.Verifier.VerifyAsync(t).AsTask())).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(results.Where(r => !r.Succeeded).Select(r => r.ToString()), Is.Empty, "every caller waited for the one shared fetch");
            Assert.That(harness.JwksFetches - before, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task StartAsync_ApiServerWithAnotherClustersCa_RefusedBeforeAnyRequestAndKeysUnavailable()
    {
        using var otherCluster = new TestCertificates("other-cluster-ca");
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.ApiServer.CertificateAuthorityData = otherCluster.AuthorityPem);
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the startup refresh failed");

        var result = await harness.VerifyAsync(harness.IssueToken());

        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(result.IsTransient, Is.True, "503, not 401: the token is not at fault");
            Assert.That(harness.Server.Counters.Total, Is.Zero, "the TLS handshake failed before any request reached the server");
            Assert.That(harness.Verifier.GetStatus().IsReady, Is.False);
        });
    }

    [Test]
    public async Task Verify_FloodOfRandomUnknownKids_AtMostOneJwksFetchPerCooldown()
    {
        await using var harness = await ApiServerHarness.StartAsync();
        await harness.WaitUntilReadyAsync();
        var payload = harness.IssueToken().Split('.')[1];
        string Bogus() => JwtWriter.Encode("{\"alg\":\"RS256\",\"kid\":\"" + Guid.NewGuid().ToString("N") + "\"}") + "." + payload + ".AAAA";
        var start = harness.JwksFetches;

        var flood = Enumerable.Range(0, 10_000).Select(_ => harness.Verifier.VerifyAsync(Bogus()).AsTask()).ToArray();
        var results = await Task.WhenAll(flood).WaitAsync(TimeSpan.FromSeconds(60));
        var afterFirstFlood = harness.JwksFetches;
        harness.Time.Advance(TimeSpan.FromSeconds(29));
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => harness.VerifyAsync(Bogus())));
        var withinCooldown = harness.JwksFetches;
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => harness.VerifyAsync(Bogus())));

        Assert.Multiple(() =>
        {
            Assert.That(results.Count(r => r.Reason == VerificationFailureReason.UnknownKey), Is.GreaterThanOrEqualTo(1), "the kids first seen before the fetch started");
            Assert.That(
                results.Select(r => r.Reason).Distinct(),
                Is.SubsetOf(new[] { VerificationFailureReason.UnknownKey, VerificationFailureReason.KeysUnavailable }),
                "a kid first seen while the one fetch ran is transient, never accepted");
            Assert.That(afterFirstFlood - start, Is.EqualTo(1));
            Assert.That(withinCooldown - start, Is.EqualTo(1));
            Assert.That(harness.JwksFetches - start, Is.EqualTo(2), "one more once the 30 s cooldown has passed");
        });
    }

    [Test]
    public async Task Verify_KeysOlderThanMaxStaleness_KeysUnavailableNotABadTokenReason()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.Keys.MaxStaleness = TimeSpan.FromHours(2));
        await harness.WaitUntilReadyAsync();
        var token = harness.IssueToken(expirationSeconds: 86400);
        harness.Server.Faults.SetKeyEndpoints(ApiFault.Unavailable());

        harness.Time.Advance(TimeSpan.FromHours(2));
        var atLimit = await harness.VerifyAsync(token);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var past = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(atLimit.Succeeded, Is.True);
            Assert.That(past.Reason, Is.EqualTo(VerificationFailureReason.KeysUnavailable));
            Assert.That(past.IsTransient, Is.True);
            Assert.That(harness.Verifier.GetStatus().KeysExpired, Is.True);
        });
    }

    [Test]
    public async Task StartAsync_FollowJwksUri_FetchesTheAdvertisedUri()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.Keys.FollowJwksUri = true);
        await harness.WaitUntilReadyAsync();

        Assert.That(harness.Store.Current!.Origin, Is.EqualTo($"https://127.0.0.1:{harness.Server.Port}/openid/v1/jwks"));
        Assert.That((await harness.VerifyAsync(harness.IssueToken())).Succeeded, Is.True);
    }

    [Test]
    public async Task StartAsync_FollowJwksUriThatIsPlainHttp_IsRefused()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.Keys.FollowJwksUri = true, startHost: false);
        harness.Server.Faults.Set(ApiEndpoint.OidcDiscovery, ApiFault.ReplaceBody(
            "{\"issuer\":\"" + harness.Server.Issuer + "\",\"jwks_uri\":\"http://127.0.0.1:" + harness.Server.Port + "/openid/v1/jwks\"}"));
        await harness.Host.StartAsync();
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the startup refresh failed");

        Assert.That(harness.Verifier.GetStatus().LastKeyRefreshError, Does.Contain("not https"));
        Assert.That(harness.JwksFetches, Is.Zero);
    }

    [Test]
    public async Task RefreshAsync_JwksOverTheSizeCap_IsRejected()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o =>
        {
            o.Issuers = [LocalApiServerOptions.DefaultIssuer];
            o.Keys.MaxResponseBytes = 300;
        });
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the startup refresh failed");

        Assert.That(harness.Verifier.GetStatus().LastKeyRefreshError, Does.Contain("MaxResponseBytes"));
        Assert.That(harness.DiscoveryFetches, Is.Zero, "with configured issuers and no jwks_uri to follow, discovery is skipped");
    }

    [Test]
    public async Task RefreshAsync_JwksHangs_TimesOutAfterFetchTimeoutOnTheInjectedClock()
    {
        await using var harness = await ApiServerHarness.StartAsync(configure: o => o.Keys.FetchTimeout = TimeSpan.FromSeconds(5));
        await harness.WaitUntilReadyAsync();
        harness.Server.Faults.Set(ApiEndpoint.Jwks, ApiFault.Hang());

        // The fetch's own timeout is a timer on the injected clock: once it exists, move the clock past it. By its due
        // time, not by the timer count: the worker's next delay (1 h) may be created meanwhile and add to the count.
        var refresh = harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);
        await Eventually.AdvanceWhenScheduled(harness.Time, TimeSpan.FromSeconds(5), "the fetch started its timeout");

        Assert.That(await refresh.WaitAsync(TimeSpan.FromSeconds(20)), Is.False);
        Assert.That(harness.Verifier.GetStatus().LastKeyRefreshError, Does.Contain("timed out"));
    }

    /// <summary>A verifier on the PublicIssuer source (no credentials) against a server whose issuer is its own URL.</summary>
    private static async Task<(ApiServerHarness Harness, string Issuer)> StartPublicIssuerAsync(bool anonymousDiscovery)
    {
        var port = FreePort();
        var issuer = $"https://127.0.0.1:{port}";
        var harness = await ApiServerHarness.StartAsync(
            configure: o =>
            {
                o.Keys.Source = KeySourceKind.PublicIssuer;
                o.Keys.IssuerUrl = new Uri(issuer);
            },
            configureServer: s =>
            {
                s.Port = port;
                s.Issuers.Clear();
                s.Issuers.Add(issuer);
                if (anonymousDiscovery)
                {
                    s.IssuerDiscoveryGroups.Add("system:unauthenticated");
                }
            },
            configureServices: (services, server) => services.AddHttpClient(PublicIssuerHttpClient.Name)
                .ConfigurePrimaryHttpMessageHandler(() => TestCertificates.TrustingHandler(server.CaCertificate)));
        return (harness, issuer);
    }

    [Test]
    public async Task StartAsync_PublicIssuerSource_FetchesWithoutCredentials()
    {
        var (harness, issuer) = await StartPublicIssuerAsync(anonymousDiscovery: true);
        await using var disposeHarness = harness;
        await harness.WaitUntilReadyAsync();

        var result = await harness.VerifyAsync(harness.IssueToken());

        Assert.That(result.Succeeded, Is.True, result.ToString());
        Assert.That(result.Identity!.Issuer, Is.EqualTo(issuer));
    }

    [Test]
    public async Task StartAsync_PublicIssuerSource_KeepsTheJwksMaxAge()
    {
        var (harness, _) = await StartPublicIssuerAsync(anonymousDiscovery: true);
        await using var disposeHarness = harness;
        await harness.WaitUntilReadyAsync();

        Assert.That(harness.Store.CurrentMaxAge, Is.EqualTo(TimeSpan.FromHours(1)), "kube-apiserver's fixed max-age=3600");
    }

    [Test]
    public async Task StartAsync_PublicIssuerNotOpenToAnonymous_Fails403()
    {
        var (harness, _) = await StartPublicIssuerAsync(anonymousDiscovery: false);
        await using var disposeHarness = harness;
        await Eventually.WaitUntil(() => harness.Verifier.GetStatus().LastKeyRefreshError is not null, "the startup refresh failed");

        Assert.That(harness.Verifier.GetStatus().LastKeyRefreshError, Does.Contain(((int)HttpStatusCode.Forbidden).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>A TCP port that was free a moment ago (for a server whose issuer must name its own port).</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
