using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Verifier.Hosting;

/// <summary>
/// Holds host startup until the verifier is ready (see <see cref="KubernetesTokenVerifierStartupOptions"/>). It waits in
/// <see cref="StartedAsync"/>, after every hosted service's <c>StartAsync</c>, so the key worker is running whatever
/// the registration order; <c>IHost.StartAsync</c> (and so <c>app.Run</c>'s startup) completes only once keys are in.
/// </summary>
internal sealed partial class VerifierStartupGate(
    IServiceAccountTokenVerifier verifier,
    IOptions<KubernetesTokenVerifierStartupOptions> options,
    TimeProvider time,
    ILogger<VerifierStartupGate> logger) : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.WaitUntilReady)
        {
            return;
        }

        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.ReadyTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await verifier.WaitUntilReadyAsync(linked.Token).ConfigureAwait(false);
            var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
            LogReady(logger, elapsedMs);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var status = verifier.GetStatus();
            LogReadyTimedOut(logger, settings.ReadyTimeout.TotalSeconds, status.LastKeyRefreshError ?? status.LastApiServerError);
            if (settings.FailOnTimeout)
            {
                throw new TimeoutException(
                    $"The Kubernetes token verifier was not ready within {settings.ReadyTimeout.TotalSeconds:0.#} s " +
                    $"(last error: {status.LastKeyRefreshError ?? status.LastApiServerError ?? "none"}). Check that the API server or " +
                    $"key source is reachable, raise {KubernetesTokenVerifierStartupOptions.SectionName}:ReadyTimeout, or set " +
                    $"{KubernetesTokenVerifierStartupOptions.SectionName}:FailOnTimeout=false to start degraded.");
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
