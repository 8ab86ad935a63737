using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Verifier.Testing;
using Verifier.Watch;

namespace Verifier.Tests.Watch;

/// <summary>
/// The watch worker against a server that sends what no API server should (a plain HTTP test server: the protocol's
/// garbage, not kube's semantics, is under test). It never crashes, never trusts a stream it could not read, and relists.
/// </summary>
public sealed class WatchGarbageTests
{
    private const string PodList = """{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"web-0","namespace":"default","uid":"uid-1","resourceVersion":"5"}}]}""";
    private const string EmptyList = """{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"10"},"items":[]}""";

    [Test]
    public async Task Worker_GarbageLineInAWatch_RelistsAndKeepsGoing()
    {
        var lists = 0; // of pods
        var watches = 0; // of pods
        var accepts = new List<string>();
        await using var server = await TestHttpsServer.StartAsync(async context =>
        {
            var watch = context.Request.Query["watch"] == "true";
            lock (accepts)
            {
                accepts.Add(context.Request.Headers.Accept.ToString());
            }

            context.Response.ContentType = "application/json";
            var pods = context.Request.Path.Value!.EndsWith("/pods", StringComparison.Ordinal);
            if (!watch)
            {
                if (pods)
                {
                    Interlocked.Increment(ref lists);
                }

                await context.Response.WriteAsync(pods ? PodList : EmptyList);
                return;
            }

            await context.Response.StartAsync();
            if (pods && Interlocked.Increment(ref watches) <= 2)
            {
                // A valid event, then a line that is not JSON, then an event too large to be one.
                await context.Response.WriteAsync("""{"type":"MODIFIED","object":{"metadata":{"name":"web-0","namespace":"default","uid":"uid-1","resourceVersion":"11"}}}""" + "\n{not json\n");
                await context.Response.Body.FlushAsync();
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });

        var services = new ServiceCollection();
        var time = new ManualTimeProvider();
        services.AddSingleton<TimeProvider>(time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = ["api"];
            o.Mode = VerificationMode.Watch;
            o.ApiServer.Server = server.Address;
            o.ApiServer.UseInCluster = false;
            o.Watch.WatchSecrets = false;
            o.Watch.WatchNodes = false;
            o.Watch.ReconnectDelay = TimeSpan.FromMilliseconds(1);
            o.Watch.MaxReconnectDelay = TimeSpan.FromMilliseconds(1);
        });
        await using var provider = services.BuildServiceProvider();
        var worker = provider.GetServices<IHostedService>().OfType<BoundObjectWatchWorker>().Single();
        var index = provider.GetRequiredService<BoundObjectIndex>();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // Two watches with garbage, each followed by a relist; the third watch is clean.
            // Garbage backs off (ReconnectDelay, on the manual clock): move the clock while waiting.
            await Eventually.WaitUntilPumping(
                time, TimeSpan.FromMilliseconds(1), () => Volatile.Read(ref watches) >= 3 && Volatile.Read(ref lists) >= 3,
                "the pods stream relisted after each garbage line, and watched again");
            Assert.Multiple(() =>
            {
                Assert.That(worker.ExecuteTask!.IsCompleted, Is.False, "the worker is still running");
                Assert.That(index.IsSynced, Is.True);
                Assert.That(index.ObjectCount, Is.EqualTo(1));
                lock (accepts)
                {
                    Assert.That(accepts, Has.Some.EqualTo(BoundObjectWatchWorker.ListAccept));
                    Assert.That(accepts, Has.Some.EqualTo(BoundObjectWatchWorker.WatchAccept));
                }
            });
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None).WaitAsync(Eventually.Limit);
        }
    }

    [Test]
    public void Backoff_GrowsExponentiallyWithJitter_UpToTheMaximum()
    {
        var initial = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(30);
        Assert.Multiple(() =>
        {
            Assert.That(BoundObjectWatchWorker.Backoff(0, initial, max), Is.EqualTo(TimeSpan.Zero));
            Assert.That(BoundObjectWatchWorker.Backoff(1, initial, max), Is.InRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1)));
            Assert.That(BoundObjectWatchWorker.Backoff(4, initial, max), Is.InRange(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)));
            Assert.That(BoundObjectWatchWorker.Backoff(40, initial, max), Is.InRange(TimeSpan.FromSeconds(15), max));
        });
    }
}
