using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verifier.Diagnostics;
using Verifier.Tests.AspNetCore;

namespace Verifier.Tests.Diagnostics;

/// <summary>
/// The duration histograms as an OpenTelemetry pipeline exports them: the real verifier (system clock, so durations
/// are measured) against LocalApiServer, an SDK MeterProvider with the in-memory exporter, and the instruments' own
/// bucket advice (no View), as an application that only calls <c>AddMeter("Verifier")</c> gets it.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class DurationHistogramTests
{
    private const string VerificationDuration = "verifier.verification.duration";
    private const string TokenReviewDuration = "verifier.tokenreview.duration";
    private const int DistinctTokens = 16;
    private const int CachedRounds = 8;

    private readonly List<MetricSnapshot> _exported = [];
    private MeterProvider _meterProvider = null!;
    private LocalClusterApp? _cluster;

    [SetUp]
    public void SetUp() =>
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(VerifierMetrics.MeterName)
            .AddInMemoryExporter(_exported)
            .Build();

    [TearDown]
    public async Task TearDown()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _meterProvider.Dispose();
    }

    private async Task StartAsync(VerificationMode mode) =>
        _cluster = await LocalClusterApp.StartAsync(
            builder => builder.Services.Configure<KubernetesTokenVerifierOptions>(o =>
            {
                o.Mode = mode;
                o.Audiences = [LocalClusterApp.Audience];
            }),
            _ => { });

    private async Task VerifyAllAsync(IEnumerable<string> tokens)
    {
        foreach (var token in tokens)
        {
            var result = await _cluster!.Verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(result.Succeeded, Is.True, result.Message);
        }
    }

    /// <summary>Cumulative bucket counts of one histogram (summed over its points, filtered by tag <c>mode</c> when given), and its bounds.</summary>
    private (double[] Bounds, long[] Counts) Collect(string name, string? mode = null)
    {
        _exported.Clear();
        Assert.That(_meterProvider.ForceFlush(10_000), Is.True, "the in-memory exporter flushed");
        double[]? bounds = null;
        long[]? counts = null;
        foreach (var metric in _exported.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                if (mode is not null && !HasTag(point, "mode", mode))
                {
                    continue;
                }

                var buckets = new List<HistogramBucket>();
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    buckets.Add(bucket);
                }

                bounds ??= [.. buckets.Select(b => b.ExplicitBound)];
                counts ??= new long[buckets.Count];
                for (var i = 0; i < buckets.Count; i++)
                {
                    counts[i] += buckets[i].BucketCount;
                }
            }
        }

        Assert.That(bounds, Is.Not.Null, $"{name} was exported");
        return (bounds!, counts!);
    }

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The index of the bucket that holds the median recording.</summary>
    private static int MedianBucket(long[] counts)
    {
        var half = (counts.Sum() + 1) / 2;
        var seen = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= half)
            {
                return i;
            }
        }

        return counts.Length - 1;
    }

    private static string Describe(double[] bounds, long[] counts) =>
        string.Join(", ", counts.Select((c, i) => (c, i)).Where(x => x.c > 0).Select(x => $"≤{bounds[x.i]:G3}: {x.c}"));

    [Test]
    public async Task DurationHistograms_Advice_SecondsFromTenthOfMicrosecondToTenSeconds()
    {
        await StartAsync(VerificationMode.TokenReview);
        await VerifyAllAsync([_cluster!.IssueToken()]);

        foreach (var name in new[] { VerificationDuration, TokenReviewDuration })
        {
            var (bounds, _) = Collect(name);
            var explicitBounds = bounds[..^1]; // the last bucket is the overflow (+∞)
            Assert.Multiple(() =>
            {
                Assert.That(explicitBounds[0], Is.EqualTo(1e-7), name);
                Assert.That(explicitBounds[^1], Is.EqualTo(10), name);
                Assert.That(explicitBounds.Zip(explicitBounds.Skip(1), (a, b) => b / a), Has.All.InRange(1.9, 3.1), name + ": steps of ×2 to ×3");
                Assert.That(bounds[^1], Is.EqualTo(double.PositiveInfinity), name);
            });
        }
    }

    [TestCase(VerificationMode.Local)]
    [TestCase(VerificationMode.TokenReview)]
    public async Task VerificationDuration_CacheHitsAndUncachedVerifications_LandInDifferentBuckets(VerificationMode mode)
    {
        await StartAsync(mode);
        var modeTag = VerifierMetrics.ModeTag(mode);
        var tokens = Enumerable.Range(0, DistinctTokens).Select(_ => _cluster!.IssueToken()).ToArray();

        await VerifyAllAsync(tokens);
        var (bounds, uncached) = Collect(VerificationDuration, modeTag);
        for (var round = 0; round < CachedRounds; round++)
        {
            await VerifyAllAsync(tokens);
        }

        var (_, total) = Collect(VerificationDuration, modeTag);
        var hits = total.Zip(uncached, (t, u) => t - u).ToArray();
        TestContext.Out.WriteLine($"{modeTag} uncached: {Describe(bounds, uncached)}; cache hits: {Describe(bounds, hits)}");

        Assert.Multiple(() =>
        {
            Assert.That(uncached.Sum(), Is.EqualTo(DistinctTokens));
            Assert.That(hits.Sum(), Is.EqualTo(DistinctTokens * CachedRounds));
            Assert.That(total.Count(c => c > 0), Is.GreaterThanOrEqualTo(2), "spread over several buckets: " + Describe(bounds, total));
            Assert.That(MedianBucket(hits), Is.LessThan(MedianBucket(uncached)),
                $"cache hits [{Describe(bounds, hits)}] below uncached verifications [{Describe(bounds, uncached)}]");
        });
    }

    [Test]
    public async Task TokenReviewDuration_RealRequests_LandAboveTheMicrosecondBuckets()
    {
        await StartAsync(VerificationMode.TokenReview);

        await VerifyAllAsync(Enumerable.Range(0, DistinctTokens).Select(_ => _cluster!.IssueToken()));
        var (bounds, counts) = Collect(TokenReviewDuration);

        // An HTTPS round trip on loopback takes well over 10 µs; with millisecond buckets all of them would share (0, 5].
        var first = Array.FindIndex(counts, c => c > 0);
        Assert.Multiple(() =>
        {
            Assert.That(counts.Sum(), Is.EqualTo(DistinctTokens));
            Assert.That(first > 0 ? bounds[first - 1] : 0, Is.GreaterThanOrEqualTo(1e-5), Describe(bounds, counts));
            Assert.That(bounds[first], Is.LessThanOrEqualTo(10), "below the overflow bucket: " + Describe(bounds, counts));
        });
    }
}
