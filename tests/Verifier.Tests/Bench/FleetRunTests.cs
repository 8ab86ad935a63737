using Bench.Fleet;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>
/// The fleet run at tiny sizes (seconds): every row is produced, the request counts it reports are LocalApiServer's own
/// and match what the verifiers' clients sent, and the TokenReview counts follow the 10 s TTLs (one verifier per
/// replica pays per replica, one sidecar pays once). Watch mode opens one stream per kind per verifier and keeps them.
/// </summary>
public sealed class FleetRunTests
{
    private static readonly string[] Phases = ["start", "first pass", "steady", "rotation"];

    // Watch mode's defaults: service accounts and pods, and (WatchSecrets, WatchNodes) secrets and nodes, all namespaces.
    private static readonly string[] WatchedResources = ["nodes", "pods", "secrets", "serviceaccounts"];

    [Test]
    public async Task RunAsync_TinyFleet_ProducesEveryRowAndCountsMatchTheApiServer()
    {
        var options = new FleetOptions
        {
            Instances = [1, 3],
            Pods = 12,
            ServiceAccounts = 3,
            Callers = 4,
            Rate = 4,

            // 11 emulated seconds: every caller's 10 s TokenReview / binding verdict expires exactly once.
            Seconds = 11,
            // 1 000 measured entries: at 40 the heap's own noise after a full GC (tens of KB in a test process that
            // runs other fixtures) swamped ~1.7 KB per entry and once came out negative; 1 000 local verifications
            // cost well under a second.
            MemoryEntries = 2_000,
        };
        using var progress = new StringWriter();

        var result = await FleetRun.RunAsync(options, progress, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        using var report = new StringWriter();
        result.Write(report);
        await TestContext.Out.WriteLineAsync(report.ToString());
        Assert.Multiple(() =>
        {
            foreach (var mode in FleetOptions.AllModes)
            {
                foreach (var phase in Phases)
                {
                    foreach (var instances in options.Instances)
                    {
                        Assert.That(result.Find(mode, FleetRun.VerifiersShape, instances, phase), Is.Not.Null, $"{mode} {instances} verifiers {phase}");
                    }

                    Assert.That(result.Find(mode, FleetRun.SidecarShape, 3, phase), Is.Not.Null, $"{mode} sidecar {phase}");
                }

                Assert.That(report.ToString(), Does.Contain($"| {mode} | one verifier per replica |"), $"{mode} model row");
                Assert.That(report.ToString(), Does.Contain($"| {mode} | one verifier per node (3 replicas each) |"), $"{mode} sidecar model row");
            }

            Assert.That(report.ToString(), Does.Not.Contain("not built"));

            // The report's counts are the server's: the rows add up to its total, and each equals what the clients sent.
            Assert.That(result.ServerTotal, Is.GreaterThan(0));
            Assert.That(result.Rows.Sum(r => r.Api.Requests), Is.EqualTo(result.ServerTotal));
            Assert.That(result.ClientTotal, Is.EqualTo(result.ServerTotal));
            foreach (var row in result.Rows)
            {
                Assert.That(row.Api.Requests, Is.EqualTo(row.ClientRequests), $"{row.Mode} {row.Shape} {row.Instances} {row.Phase}");
                Assert.That(row.Failures, Is.Zero, $"{row.Mode} {row.Shape} {row.Instances} {row.Phase}: failures");
            }

            Assert.That(result.CountsAgree, Is.True);
            Assert.That(report.ToString(), Does.Contain("they agree"));

            // Local mode: discovery and JWKS at start, nothing at steady state.
            var localStart = result.Find("local", FleetRun.VerifiersShape, 3, "start")!;
            Assert.That((localStart.Api.Discovery, localStart.Api.Jwks, localStart.Api.TokenReviews), Is.EqualTo((3L, 3L, 0L)));
            Assert.That(result.Find("local", FleetRun.VerifiersShape, 3, "steady")!.Api.Requests, Is.Zero);

            // TokenReview and Hybrid: each caller (one token, one binding) re-reviewed once per replica in 11 s ...
            foreach (var mode in new[] { "tokenreview", "hybrid" })
            {
                Assert.That(result.Find(mode, FleetRun.VerifiersShape, 3, "steady")!.Api.TokenReviews, Is.EqualTo(3L * options.Callers), $"{mode}: 3 verifiers");
                Assert.That(result.Find(mode, FleetRun.VerifiersShape, 1, "steady")!.Api.TokenReviews, Is.EqualTo(options.Callers), $"{mode}: 1 verifier");

                // ... and once in all behind one sidecar, for the same load.
                var sidecar = result.Find(mode, FleetRun.SidecarShape, 3, "steady")!;
                Assert.That(sidecar.Api.TokenReviews, Is.EqualTo(options.Callers), $"{mode}: sidecar");
                Assert.That(sidecar.Verifications, Is.EqualTo(3L * options.Rate * options.Seconds), $"{mode}: sidecar load");
                Assert.That(sidecar.Api.BytesReceived, Is.GreaterThan(0), $"{mode}: bytes counted");
            }

            // A rotation costs every offline verifier one refresh; Hybrid's bindings outlive the new tokens (no review).
            var localRotation = result.Find("local", FleetRun.VerifiersShape, 3, "rotation")!;
            Assert.That((localRotation.Api.Discovery, localRotation.Api.Jwks), Is.EqualTo((3L, 3L)));
            Assert.That(result.Find("hybrid", FleetRun.VerifiersShape, 3, "rotation")!.Api.TokenReviews, Is.Zero);

            // Watch mode: per verifier one metadata list (12 pods: one page) and one stream per kind at start, then
            // nothing but a key refresh at rotation; the streams stay open through every phase.
            var kinds = WatchedResources.Length;
            foreach (var instances in options.Instances)
            {
                var start = result.Find("watch", FleetRun.VerifiersShape, instances, "start")!;
                Assert.That((start.Api.Discovery, start.Api.Jwks, start.Api.Lists, start.Api.Watches), Is.EqualTo(((long)instances, (long)instances, (long)kinds * instances, (long)kinds * instances)), $"watch × {instances}: start");
                Assert.That(start.Kinds.Keys, Is.EquivalentTo(WatchedResources), $"watch × {instances}: resources");
                foreach (var (resource, k) in start.Kinds)
                {
                    Assert.That((k.Lists, k.Watches), Is.EqualTo(((long)instances, (long)instances)), $"watch × {instances}: {resource}");
                    Assert.That(k.ListBytes, Is.GreaterThan(0), $"watch × {instances}: {resource} bytes");
                }

                foreach (var phase in Phases)
                {
                    Assert.That(result.Find("watch", FleetRun.VerifiersShape, instances, phase)!.OpenStreams, Is.EqualTo(kinds * instances), $"watch × {instances}: streams open after {phase}");
                }

                var steady = result.Find("watch", FleetRun.VerifiersShape, instances, "steady")!;
                Assert.That(steady.Api.Requests, Is.Zero, $"watch × {instances}: steady");
                Assert.That(result.Find("watch", FleetRun.VerifiersShape, instances, "first pass")!.Api.Requests, Is.Zero, $"watch × {instances}: first pass");
                var rotation = result.Find("watch", FleetRun.VerifiersShape, instances, "rotation")!;
                Assert.That((rotation.Api.Discovery, rotation.Api.Jwks, rotation.Api.TokenReviews, rotation.Api.Lists, rotation.Api.Watches), Is.EqualTo(((long)instances, (long)instances, 0L, 0L, 0L)), $"watch × {instances}: rotation");
            }

            // Every verifier lists the same cluster: 3 verifiers read 3 times the bytes of one, per resource.
            var one = result.Find("watch", FleetRun.VerifiersShape, 1, "start")!;
            var three = result.Find("watch", FleetRun.VerifiersShape, 3, "start")!;
            foreach (var resource in WatchedResources)
            {
                Assert.That(three.Kinds[resource].ListBytes, Is.EqualTo(3 * one.Kinds[resource].ListBytes), $"{resource}: 3 verifiers' list bytes");
            }

            Assert.That(result.KindBytesAgree, Is.True, "per-resource counts add up to the server's");

            // watch-ns (Watch:Namespaces = one of the two app namespaces): as many streams (3 kinds there, nodes
            // cluster-wide), fewer pods and service accounts listed; its callers, pods of that namespace, cost nothing.
            foreach (var instances in options.Instances)
            {
                var scoped = result.Find("watch-ns", FleetRun.VerifiersShape, instances, "start")!;
                var all = result.Find("watch", FleetRun.VerifiersShape, instances, "start")!;
                Assert.That(scoped.Api.Watches, Is.EqualTo((long)kinds * instances), $"watch-ns × {instances}: streams");
                Assert.That(scoped.Kinds["pods"].ListBytes, Is.LessThan(all.Kinds["pods"].ListBytes), $"watch-ns × {instances}: pod list bytes");
                Assert.That(scoped.Kinds["serviceaccounts"].ListBytes, Is.LessThan(all.Kinds["serviceaccounts"].ListBytes), $"watch-ns × {instances}: service account list bytes");
                Assert.That(result.Find("watch-ns", FleetRun.VerifiersShape, instances, "steady")!.Api.Requests, Is.Zero, $"watch-ns × {instances}: steady");
            }

            // One verifier behind the endpoint for the same 3 replicas: one set of streams.
            Assert.That(result.Find("watch", FleetRun.SidecarShape, 3, "start")!.Api.Watches, Is.EqualTo(kinds));
            Assert.That(result.Find("watch", FleetRun.SidecarShape, 3, "steady")!.OpenStreams, Is.EqualTo(kinds));

            // The other modes open none.
            Assert.That(result.Rows.Where(r => !r.Mode.StartsWith("watch", StringComparison.Ordinal)).Sum(r => r.Api.Lists + r.Api.Watches + r.OpenStreams), Is.Zero);

            Assert.That(result.BytesPerCachedResult, Is.GreaterThan(0));
            Assert.That(result.CachedResults, Is.EqualTo(options.MemoryEntries / 2));
            Assert.That(result.Bindings, Is.EqualTo(options.Pods / 2));

            // 6 bindings are below the heap's noise: the report says so rather than print a figure that can be negative.
            Assert.That(report.ToString(), Does.Contain("not measurable (under 500 entries) per remembered binding (6 bindings"));
            Assert.That(report.ToString(), Does.Match(@"Memory: [1-9][0-9,]* B per cached result \(1000 entries"));
        });
    }

    [TestCase("--instances", "0", "--instances '0'")]
    [TestCase("--modes", "local,informer", "unknown mode 'informer'")]
    [TestCase("--rate", "x", "--rate 'x'")]
    [TestCase("--bogus", "1", "unknown argument '--bogus'")]
    public async Task RunAsync_BadCommandLine_OneLineAndExitCode2(string name, string value, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await FleetCommand.RunAsync([name, value], output, error);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(FleetCommand.Usage));
            Assert.That(error.ToString().TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error.ToString(), Does.StartWith("fleet: ").And.Contain(expected));
            Assert.That(output.ToString(), Is.Empty);
        });
    }
}
