using Bench;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>Runs each ModeBenchmarks method a few times outside BenchmarkDotNet, so a broken setup shows up here and not in a long run.</summary>
public sealed class ModeBenchmarksSmokeTests
{
    [Test]
    public async Task ModeBenchmarks_EveryBenchmark_RunsAndAccepts()
    {
        var benchmarks = new ModeBenchmarks();
        await benchmarks.SetupAsync();
        try
        {
            var reviewsAfterSetup = benchmarks.TokenReviews;
            for (var i = 0; i < 200; i++)
            {
                Assert.That(await benchmarks.LoopbackHttpsFloor(), Is.EqualTo(200));
                Assert.That((await benchmarks.LocalUncached()).Succeeded, Is.True);
                Assert.That((await benchmarks.LocalCached()).Succeeded, Is.True);
                Assert.That((await benchmarks.HybridRepeatingBindings()).Succeeded, Is.True);
            }

            var reviewsBeforeUncached = benchmarks.TokenReviews;
            for (var i = 0; i < 5; i++)
            {
                Assert.That((await benchmarks.TokenReviewUncached()).Succeeded, Is.True);
            }

            Assert.Multiple(() =>
            {
                // 200 hybrid requests over 10 pods, well within one liveness TTL: at most one review per pod.
                Assert.That(reviewsBeforeUncached - reviewsAfterSetup, Is.LessThanOrEqualTo(10));
                Assert.That(benchmarks.TokenReviews - reviewsBeforeUncached, Is.EqualTo(5), "uncached TokenReview mode asks every time");
            });
            Assert.That(await benchmarks.TokenReviewServerSide(), Is.True, "the same review, sent without the verifier, is authenticated");
        }
        finally
        {
            await benchmarks.CleanupAsync();
        }
    }
}
