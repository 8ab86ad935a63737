using Bench.Soak;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>
/// The soak's bounded version (10 s per mode, Local and Hybrid): the bounds, not the speed. Caches stay within their
/// configured sizes, the API server sees no more than the refresh and binding-liveness schedule allows, and the
/// managed heap does not grow once the caches are full.
/// </summary>
public sealed class SoakTests
{
    private const double MiB = 1024 * 1024;

    [Test]
    public async Task RunAsync_TwentySecondsOfMixedLoad_StaysWithinCacheRequestAndHeapBounds()
    {
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(10),
            Threads = 2,
            CacheMaxEntries = 500,
            ValidTokens = 800,
            BogusKids = 1_500,
            ServiceAccounts = 20,
        };
        using var output = new StringWriter();

        var results = await SoakRun.RunAsync(options, TimeProvider.System, output, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        foreach (var result in results)
        {
            result.Write(output);
        }

        await TestContext.Out.WriteLineAsync(output.ToString());
        Assert.That(results.Select(r => r.Mode), Is.EqualTo(new[] { VerificationMode.Local, VerificationMode.Hybrid }));
        var defaults = new KubernetesTokenVerifierOptions();
        foreach (var result in results)
        {
            // A key refresh is at most a discovery and a JWKS request; the bogus-kid flood may force one per cooldown.
            var keyRequests = 2 * ((int)Math.Ceiling(result.Elapsed / defaults.Keys.UnknownKeyCooldown) + 1);

            // Hybrid re-confirms each binding (one per service account here) at most once per liveness TTL.
            var bindingRequests = result.Mode == VerificationMode.Hybrid
                ? options.ServiceAccounts * ((int)Math.Ceiling(result.Elapsed / defaults.Hybrid.LivenessTtl) + 1)
                : 0;
            Assert.Multiple(() =>
            {
                Assert.That(result.Exceptions, Is.Zero, $"{result.Mode}: exceptions escaped");
                Assert.That(result.Verifications, Is.GreaterThan(1_000), $"{result.Mode}: the load ran");
                // VerifiedTokenCache's documented bound: an insert that passes MaxEntries trims right after, so the
                // count can pass it by one entry per caller inserting at that moment, never more.
                Assert.That(result.MaxResultCacheEntries, Is.InRange(1, result.ResultCacheBound + options.Threads), $"{result.Mode}: result cache");
                Assert.That(result.MaxUnknownKidEntries, Is.LessThanOrEqualTo(result.UnknownKidBound), $"{result.Mode}: unknown-kid cache");
                Assert.That(result.MaxBindingEntries, Is.LessThanOrEqualTo(result.BindingBound), $"{result.Mode}: binding cache");
                Assert.That(result.ApiRequests, Is.LessThanOrEqualTo(keyRequests + bindingRequests), $"{result.Mode}: API-server requests");

                // Both heaps are measured after a forced full GC with the caches full: what stays is what leaks. The
                // slack absorbs allocator and runtime noise (JIT, thread pool, HTTP connection pool), not a leak of
                // tens of thousands of verifications' garbage.
                Assert.That(result.HeapAtEndBytes / MiB, Is.LessThanOrEqualTo((result.HeapAfterWarmupBytes * 1.5 / MiB) + 8), $"{result.Mode}: managed heap grew");
            });
        }
    }

    [TestCase("--duration", "abc")]
    [TestCase("--duration", "00:00:00")]
    [TestCase("--threads", "0")]
    [TestCase("--threads", "two")]
    [TestCase("--threads")]
    [TestCase("--cores", "2")]
    public void Parse_BadArgument_ReturnsOneLineNamingTheSetting(params string[] args)
    {
        var options = SoakOptions.Parse(args, out var error, out _);

        Assert.Multiple(() =>
        {
            Assert.That(options, Is.Null);
            Assert.That(error, Does.StartWith("soak: ").And.Contain(args[0]).And.Not.Contain('\n'));
        });
    }

    [Test]
    public void Parse_NoArguments_FiveMinutesOnTwoThreads()
    {
        var options = SoakOptions.Parse([], out var error, out var help);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Null);
            Assert.That(help, Is.False);
            Assert.That(options!.Duration, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(options.Threads, Is.EqualTo(2));
            Assert.That(options.ValidTokens, Is.GreaterThan(options.CacheMaxEntries));
        });
    }

    [Test]
    public void Parse_DurationAndThreads_AreRead()
    {
        var options = SoakOptions.Parse(["--duration", "00:01:00", "--threads", "4"], out var error, out _);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Null);
            Assert.That(options!.Duration, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.Threads, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task RunAsync_Help_PrintsUsageAndSucceeds()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await SoakCommand.RunAsync(["--help"], output, error);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(output.ToString(), Does.Contain("--duration").And.Contain("--threads"));
            Assert.That(error.ToString(), Is.Empty);
        });
    }

    [Test]
    public async Task RunAsync_BadArgument_OneLineAndNonZeroExit()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await SoakCommand.RunAsync(["--threads", "-1"], output, error);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Not.Zero);
            Assert.That(error.ToString().TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(output.ToString(), Is.Empty);
        });
    }
}
