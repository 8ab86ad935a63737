using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Testing.Tokens;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

/// <summary>
/// Clusters with an external signer (docs/kube-apiserver.md §9.1): opaque kids, <c>typ: JWT</c>, ECDSA keys rotated at
/// run time with a JWKS <c>max-age</c> counting down to the next key sync, and keys excluded from discovery.
/// </summary>
public sealed class ExternalSignerTests
{
    private static ExternalSignerOptions Signer(TimeSpan rotation, TimeSpan signingDelay, TimeSpan retireAfter) =>
        new() { RotationInterval = rotation, SigningDelay = signingDelay, RetireAfter = retireAfter };

    [Test]
    public async Task Verify_KeyPublishedOneSecondBeforeItsFirstToken_AcceptedWithoutAnUnknownKidRefresh()
    {
        await using var harness = await ApiServerHarness.StartAsync(configureServer: o =>
            o.ExternalSigner = Signer(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)));
        await harness.WaitUntilReadyAsync();
        var firstKid = harness.Server.SigningKey.KeyId;
        var publication = harness.Server.NextKeySync!.Value;
        var fetchesBefore = harness.JwksFetches;

        // The worker wakes on the JWKS max-age (the countdown to the publication), not on the hourly interval.
        await Eventually.WaitUntil(() => harness.Time.HasTimerDueBetween(publication, publication), "the worker waits for the publication");
        harness.Time.Advance(publication - harness.Time.GetUtcNow());
        await Eventually.WaitUntil(() => harness.Store.Current!.FetchedAt >= publication, "the max-age refresh at the publication");
        var fetchesAtPublication = harness.JwksFetches;
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var token = harness.IssueToken();
        var result = await harness.VerifyAsync(token);
        var header = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(PadBase64(token.Split('.')[0]))));

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, result.ToString());
            Assert.That(result.Identity?.KeyId, Is.Not.EqualTo(firstKid), "signed by the freshly published key");
            Assert.That(fetchesAtPublication - fetchesBefore, Is.EqualTo(1), "one periodic fetch at the publication");
            Assert.That(harness.JwksFetches, Is.EqualTo(fetchesAtPublication), "no unknown-kid refresh");
            Assert.That(header.RootElement.GetProperty("typ").GetString(), Is.EqualTo("JWT"));
            Assert.That(header.RootElement.GetProperty("alg").GetString(), Is.EqualTo("ES384"), "the second key of the ES256, ES384, ES512 cycle");
            Assert.That(result.Identity?.KeyId, Has.Length.EqualTo(64), "opaque kid, not the 43-character SHA-256 derivation");
        });
    }

    [Test]
    public async Task Verify_RotationEveryMinuteForAnHourWithTwoThreads_NoValidTokenRejected()
    {
        await using var harness = await ApiServerHarness.StartAsync(
            configure: o => o.Keys.RefreshJitter = 0.1,
            configureServer: o => o.ExternalSigner = Signer(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5)));
        await harness.WaitUntilReadyAsync();
        var end = harness.Time.GetUtcNow().AddHours(1);
        var rejections = new List<string>();
        var verified = 0;
        var syncs = 0;
        var kids = new HashSet<string>();
        var previous = new string[2];
        var fetchesBefore = harness.JwksFetches;

        async Task VerifyBothThreadsAsync()
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(thread => Task.Run(async () =>
            {
                var fresh = harness.IssueToken();
                var outcomes = new List<TokenVerificationResult> { await harness.VerifyAsync(fresh) };
                if (previous[thread] is { } older)
                {
                    outcomes.Add(await harness.VerifyAsync(older));
                }

                previous[thread] = fresh;
                return outcomes;
            })));
            foreach (var result in results.SelectMany(r => r))
            {
                verified++;
                if (result.Succeeded)
                {
                    kids.Add(result.Identity!.KeyId!);
                }
                else
                {
                    rejections.Add($"{harness.Time.GetUtcNow():HH:mm:ss} {result}");
                }
            }
        }

        // The worker parks on its max-age delay (due at the next sync, plus under 2 s of rounding and jitter) before the
        // clock moves: a delay started after a move would begin late, which never happens on a real clock.
        Task WorkerParkedAsync(DateTimeOffset sync) => Eventually.WaitUntil(
            () => harness.Time.HasTimerDueBetween(sync, sync + TimeSpan.FromSeconds(2)), $"the worker waits for the key sync at {sync:HH:mm:ss}");

        while (harness.Time.GetUtcNow() < end)
        {
            // To just past the next key sync, wait for the worker's refresh, verify; then halfway to the following
            // sync, verify again.
            var sync = harness.Server.NextKeySync!.Value;
            await WorkerParkedAsync(sync);
            harness.Time.Advance(sync + TimeSpan.FromSeconds(2) - harness.Time.GetUtcNow());
            await Eventually.WaitUntil(() => harness.Store.Current!.FetchedAt >= sync, $"the refresh after the key sync at {sync:HH:mm:ss}");
            await WorkerParkedAsync(harness.Server.NextKeySync!.Value);
            syncs++;
            await harness.WriteVerifierTokenAsync();
            await VerifyBothThreadsAsync();
            var next = harness.Server.NextKeySync!.Value;
            harness.Time.Advance((next - harness.Time.GetUtcNow()) / 2);
            await VerifyBothThreadsAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(rejections, Is.Empty);
            Assert.That(kids, Has.Count.GreaterThanOrEqualTo(60), "a new signing key every minute");
            Assert.That(verified, Is.GreaterThan(900));
            Assert.That(harness.JwksFetches - fetchesBefore, Is.InRange(syncs, syncs + 5), "one fetch per key sync, no unknown-kid refreshes to speak of");
        });
    }

    [TestCase(false, 3600)]
    [TestCase(true, 60)]
    public async Task StartAsync_ApiServerSource_KeepsTheJwksMaxAge(bool externalSigner, int expectedSeconds)
    {
        await using var harness = await ApiServerHarness.StartAsync(configureServer: o =>
            o.ExternalSigner = externalSigner ? Signer(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5)) : null);
        await harness.WaitUntilReadyAsync();

        Assert.That(harness.Store.CurrentMaxAge, Is.EqualTo(TimeSpan.FromSeconds(expectedSeconds)));
    }

    [Test]
    public async Task Jwks_ExternalSigner_MaxAgeCountsDownToTheNextKeySync()
    {
        var time = new ManualTimeProvider(KubeTokens.Now);
        var options = new LocalApiServerOptions { TimeProvider = time, ExternalSigner = Signer(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5)) };
        await using var server = await LocalApiServer.StartAsync(options);
        using var client = server.CreateHttpClient(server.AdminToken);
        async Task<TimeSpan?> MaxAgeAsync()
        {
            using var response = await client.GetAsync(new Uri("openid/v1/jwks", UriKind.Relative));
            return response.Headers.CacheControl?.MaxAge;
        }

        var atStart = await MaxAgeAsync();
        time.Advance(TimeSpan.FromSeconds(40.5));
        var midway = await MaxAgeAsync();
        time.Advance(TimeSpan.FromSeconds(19.5));
        var atSync = await MaxAgeAsync();
        var publishedAfterOne = server.PublishedKeyIds.Count;
        time.Advance(TimeSpan.FromMinutes(10));
        var publishedLater = server.PublishedKeyIds.Count;

        Assert.Multiple(() =>
        {
            Assert.That(atStart, Is.EqualTo(TimeSpan.FromSeconds(60)), "key 1 is published a minute after start");
            Assert.That(midway, Is.EqualTo(TimeSpan.FromSeconds(20)), "rounded up");
            Assert.That(atSync, Is.EqualTo(TimeSpan.FromSeconds(10)), "then key 1 starts signing 10 s later");
            Assert.That(publishedAfterOne, Is.EqualTo(2));
            Assert.That(publishedLater, Is.EqualTo(7), "retired 5 min after they stop signing: 6 old ones and the newest");
        });
    }

    [Test]
    public async Task Verify_TokenOfAKeyExcludedFromDiscovery_TokenReviewAcceptsOfflineIsUnknownKey()
    {
        await using var harness = await ApiServerHarness.StartAsync(configureServer: o => o.ExternalSigner = new ExternalSignerOptions());
        await harness.WaitUntilReadyAsync();
        using var excluded = SigningKey.CreateEc(256, "migration-key/legacy", typedHeader: true);
        harness.Server.AddExcludedKey(excluded);
        var token = harness.Server.IssueTokenSignedBy(excluded, "default", "default", [KubeTokens.Audience]);

        var review = harness.Server.ReviewToken(token, [KubeTokens.Audience]);
        var offline = await harness.VerifyAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(review.Authenticated, Is.True, review.Error);
            Assert.That(harness.Server.JwksJson, Does.Not.Contain("migration-key/legacy"));
            Assert.That(offline.Reason, Is.EqualTo(VerificationFailureReason.UnknownKey));
        });
    }

    [TestCase(1, true)]
    [TestCase(1024, true)]
    [TestCase(1025, false)]
    [TestCase(1500, false)]
    public async Task Verify_OpaqueKidOfLength_AcceptedUpTo1024NeverTruncated(int length, bool accepted)
    {
        // Any content: spaces, slashes, non-ASCII, characters a JSON writer may escape.
        var kid = string.Concat(Enumerable.Repeat("a é/+= ~€<>", (length / 11) + 1))[..length];
        using var key = SigningKey.CreateEc(521, kid, typedHeader: true);
        using var truncated = SigningKey.CreateEc(521, kid[..Math.Min(length, 1024)]);
        using var harness = new VerifierHarness();
        harness.Memory.Jwks = KubeTokens.Jwks(truncated, key);
        await harness.LoadAsync();

        var headerJson = "{\"alg\":\"ES512\",\"kid\":" + JsonSerializer.Serialize(kid) + ",\"typ\":\"JWT\"}";
        var result = await harness.VerifyAsync(KubeTokens.Sign(key, KubeTokens.BoundClaims(), headerJson));

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.EqualTo(accepted), result.ToString());
            Assert.That(result.Identity?.KeyId, Is.EqualTo(accepted ? kid : null), "never truncated");
            if (!accepted)
            {
                Assert.That(result.Reason, Is.EqualTo(VerificationFailureReason.Malformed));
                Assert.That(result.Message, Does.Contain("1024"));
            }
        });
    }

    private static string PadBase64(string s) => s.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (s.Length % 4)) % 4);
}
