using System.Buffers.Text;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;
using Verifier;
using Verifier.AspNetCore.Authentication;
using Verifier.Diagnostics;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Diagnostics;

/// <summary>
/// Metrics and logs of real verifications (Local mode against LocalApiServer, real Kestrel on 127.0.0.1): the
/// instruments the README lists move as documented, and no log line of any category at any level carries a token,
/// its signature, its payload segment or its decoded claim set.
/// </summary>
[TestFixture(VerificationMode.Local)]
[TestFixture(VerificationMode.Hybrid)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifierTelemetryTests(VerificationMode mode)
{
    private readonly FakeLogCollector _logs = new();
    private FakeLoggerProvider _logProvider = null!;
    private LocalClusterApp _cluster = null!;
    private MetricCollector<long> _verifications = null!;
    private MetricCollector<double> _verificationDuration = null!;
    private MetricCollector<long> _cacheLookups = null!;
    private MetricCollector<long> _keyRefreshes = null!;
    private MetricCollector<int> _keyCount = null!;
    private MetricCollector<double> _keyAge = null!;
    private MetricCollector<long> _tokenReviewRequests = null!;
    private MetricCollector<double> _tokenReviewDuration = null!;

    [SetUp]
    public async Task SetUp()
    {
        _logProvider = new FakeLoggerProvider(_logs);
        _cluster = await LocalClusterApp.StartAsync(
            builder =>
            {
                builder.Services.Configure<KubernetesTokenVerifierOptions>(o => o.Mode = mode);
                builder.Services.AddAuthentication(KubernetesServiceAccountDefaults.AuthenticationScheme)
                    .AddKubernetesServiceAccount();
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/protected", () => "ok").RequireAuthorization();
                app.MapKubernetesTokenVerification("/verify");
            },
            kestrel: true,
            logs: _logProvider,
            beforeStart: app => CollectMetrics(app.Services.GetRequiredService<IMeterFactory>()));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _cluster.DisposeAsync();
        _verifications.Dispose();
        _verificationDuration.Dispose();
        _cacheLookups.Dispose();
        _keyRefreshes.Dispose();
        _keyCount.Dispose();
        _keyAge.Dispose();
        _tokenReviewRequests.Dispose();
        _tokenReviewDuration.Dispose();
        _logProvider.Dispose();
    }

    /// <summary>One collector per instrument of the app's own meter factory (other apps' meters are not seen).</summary>
    private void CollectMetrics(IMeterFactory scope)
    {
        _verifications = new(scope, VerifierMetrics.MeterName, "verifier.verifications");
        _verificationDuration = new(scope, VerifierMetrics.MeterName, "verifier.verification.duration");
        _cacheLookups = new(scope, VerifierMetrics.MeterName, "verifier.cache.lookups");
        _keyRefreshes = new(scope, VerifierMetrics.MeterName, "verifier.keys.refreshes");
        _keyCount = new(scope, VerifierMetrics.MeterName, "verifier.keys.count");
        _keyAge = new(scope, VerifierMetrics.MeterName, "verifier.keys.age");
        _tokenReviewRequests = new(scope, VerifierMetrics.MeterName, "verifier.tokenreview.requests");
        _tokenReviewDuration = new(scope, VerifierMetrics.MeterName, "verifier.tokenreview.duration");
    }

    private static string? Tag<T>(CollectedMeasurement<T> measurement, string key)
        where T : struct =>
        measurement.Tags.TryGetValue(key, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private async Task<HttpStatusCode> GetProtectedAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/protected");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _cluster.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static string ForeignKeyToken(string token)
    {
        using var stranger = SigningKey.CreateRsa();
        return JwtWriter.Sign(stranger, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1])));
    }

    [Test]
    public async Task Verifications_RecordCountersAndDurationsByModeResultReason()
    {
        var valid = _cluster.IssueToken();
        var wrongAudience = _cluster.IssueToken(audiences: ["other"]);

        var statuses = new[]
        {
            await GetProtectedAsync(valid),
            await GetProtectedAsync(valid),
            await GetProtectedAsync(wrongAudience),
            await GetProtectedAsync(ForeignKeyToken(valid)),
        };

        var tag = VerifierMetrics.ModeTag(mode);
        var verifications = _verifications.GetMeasurementSnapshot();
        var durations = _verificationDuration.GetMeasurementSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized }));
            Assert.That(
                verifications.Select(m => $"{Tag(m, "mode")}/{Tag(m, "result")}/{Tag(m, "reason")}"),
                Is.EquivalentTo(new[] { $"{tag}/success/none", $"{tag}/success/none", $"{tag}/failure/wrong_audience", $"{tag}/failure/unknown_key" }));
            Assert.That(verifications.Select(m => m.Value), Has.All.EqualTo(1));
            Assert.That(durations, Has.Count.EqualTo(4));
            Assert.That(_verificationDuration.Instrument?.Unit, Is.EqualTo("s"));
            Assert.That(durations.Select(m => m.Value), Has.All.InRange(0, 5));
            Assert.That(durations.Select(m => Tag(m, "result")), Is.EquivalentTo(new[] { "success", "success", "failure", "failure" }));
            if (mode == VerificationMode.Hybrid)
            {
                // One liveness review for the binding; the second request is within the liveness TTL.
                Assert.That(_tokenReviewRequests.GetMeasurementSnapshot().Select(m => $"{Tag(m, "result")}/{Tag(m, "status_code")}"), Is.EqualTo(new[] { "authenticated/201" }));
                Assert.That(_tokenReviewDuration.GetMeasurementSnapshot(), Has.Count.EqualTo(1));
                Assert.That(_tokenReviewDuration.Instrument?.Unit, Is.EqualTo("s"));
            }
        });
    }

    [Test]
    public async Task Verifications_RecordResultCacheLookups()
    {
        var valid = _cluster.IssueToken();

        await GetProtectedAsync(valid);
        await GetProtectedAsync(valid);

        Assert.That(
            _cacheLookups.GetMeasurementSnapshot().Where(m => Tag(m, "cache") == "result").Select(m => $"{Tag(m, "cache")}/{Tag(m, "result")}"),
            Is.EqualTo(new[] { "result/miss", "result/hit" }));
    }

    [Test]
    public async Task KeyRefreshes_RecordStartupAndUnknownKidTriggers()
    {
        await GetProtectedAsync(ForeignKeyToken(_cluster.IssueToken()));

        var refreshes = _keyRefreshes.GetMeasurementSnapshot().Select(m => $"{Tag(m, "trigger")}/{Tag(m, "result")}").ToList();
        _keyCount.RecordObservableInstruments();
        _keyAge.RecordObservableInstruments();
        var count = _keyCount.LastMeasurement!;
        var age = _keyAge.LastMeasurement!;
        Assert.Multiple(() =>
        {
            Assert.That(refreshes, Does.Contain("startup/success"));
            Assert.That(refreshes, Does.Contain("unknown_kid/success"));
            Assert.That(count.Value, Is.EqualTo(1));
            Assert.That(_keyAge.Instrument?.Unit, Is.EqualTo("s"));
            Assert.That(age.Value, Is.InRange(0, 60));
        });
    }

    [Test]
    public async Task Logs_AllCategoriesAtTrace_NeverContainTokenSignatureOrPayload()
    {
        var valid = _cluster.IssueToken();
        var tokens = new List<string>
        {
            valid,
            _cluster.IssueToken(audiences: ["other"]),
            _cluster.IssueToken(LocalClusterApp.OtherAccount, podBound: false),
            ForeignKeyToken(valid),
            valid[..^6] + (valid.EndsWith("AAAAAA", StringComparison.Ordinal) ? "BBBBBB" : "AAAAAA"),
            valid.Split('.')[0] + "." + valid.Split('.')[1] + ".",
            "garbage." + valid.Split('.')[1] + "." + valid.Split('.')[2],
        };

        foreach (var token in tokens)
        {
            await GetProtectedAsync(token);
            using var body = new StringContent("{\"token\":\"" + token + "\"}", Encoding.UTF8, "application/json");
            (await _cluster.Client.PostAsync(new Uri("/verify", UriKind.Relative), body)).Dispose();
            using var review = new StringContent(
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\"}}", Encoding.UTF8, "application/json");
            (await _cluster.Client.PostAsync(new Uri("/verify", UriKind.Relative), review)).Dispose();
        }

        var entries = _logs.GetSnapshot();
        var all = string.Join('\n', entries.Select(Render));
        var secrets = tokens.SelectMany(t =>
        {
            var parts = t.Split('.');
            var found = new List<string> { t, parts[1] };
            if (parts.Length == 3 && parts[2].Length > 0)
            {
                found.Add(parts[2]);
            }

            return found;
        }).Distinct().ToList();
        var claimSet = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(valid.Split('.')[1]));
        Assert.Multiple(() =>
        {
            // The run really was logged, at every level the providers offer, including the verifier's own events.
            Assert.That(entries, Has.Count.GreaterThan(50));
            Assert.That(entries.Select(e => e.Id.Id), Does.Contain(VerifierEventIds.AuthenticationFailed).And.Contain(VerifierEventIds.AuthenticationSucceeded));
            Assert.That(entries.Select(e => e.Category), Has.Some.StartsWith("Microsoft.AspNetCore").And.Some.StartsWith("Verifier"));
            Assert.That(all, Does.Contain("{OriginalFormat}="), "the searched text includes the structured state, not only messages");
            foreach (var secret in secrets)
            {
                Assert.That(all, Does.Not.Contain(secret), "a token part appears in the logs");
            }

            Assert.That(all, Does.Not.Contain(claimSet), "the decoded claim set appears in the logs");
            Assert.That(all, Does.Not.Contain(valid.Split('.')[2][..16]), "a signature prefix appears in the logs");
        });
    }

    /// <summary>One log entry as text with everything a token could hide in: message, structured state, scopes, exception.</summary>
    private static string Render(FakeLogRecord entry)
    {
        var state = entry.StructuredState is { } pairs ? string.Join("; ", pairs.Select(p => p.Key + "=" + p.Value)) : entry.State?.ToString();
        var scopes = entry.Scopes.Select(scope => scope is IEnumerable<KeyValuePair<string, object?>> kv
            ? string.Join("; ", kv.Select(p => p.Key + "=" + p.Value))
            : scope?.ToString());
        return $"{entry.Level} {entry.Category}[{entry.Id.Id}] {entry.Message} | {state} | {string.Join(" / ", scopes)} | {entry.Exception}";
    }
}
