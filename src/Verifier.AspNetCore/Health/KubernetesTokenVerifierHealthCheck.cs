using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Verifier.AspNetCore.Health;

/// <summary>
/// Maps <see cref="IServiceAccountTokenVerifier.GetStatus"/> to health: Unhealthy before the first key set or past
/// the maximum staleness (tokens are then refused with 503); Degraded while keys are older than the refresh
/// interval, the API server is failing or (watch mode) the index is not synced (tokens are still verified, but something needs attention); Healthy
/// otherwise. The data never holds anything secret: counts, times and the last error texts.
/// </summary>
internal sealed class KubernetesTokenVerifierHealthCheck(IServiceAccountTokenVerifier verifier, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = verifier.GetStatus();
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["mode"] = Diagnostics.VerifierMetrics.ModeTag(status.Mode),
            ["ready"] = status.IsReady,
            ["keyCount"] = status.KeyCount,
            ["keysStale"] = status.KeysStale,
            ["keysExpired"] = status.KeysExpired,
        };
        if (status.KeysFetchedAt is { } fetchedAt)
        {
            data["keysFetchedAt"] = fetchedAt;
            data["keysAgeSeconds"] = Math.Max(0, (time.GetUtcNow() - fetchedAt).TotalSeconds);
        }

        if (status.ApiServerHealthy is { } apiServerHealthy)
        {
            data["apiServerHealthy"] = apiServerHealthy;
        }

        if (status.WatchSynced is { } watchSynced)
        {
            data["watchSynced"] = watchSynced;
        }

        if (status.WatchLag is { } watchLag)
        {
            data["watchLagSeconds"] = watchLag.TotalSeconds;
        }

        if (status.LastKeyRefreshError is not null)
        {
            data["lastKeyRefreshError"] = status.LastKeyRefreshError;
        }

        if (status.LastApiServerError is not null)
        {
            data["lastApiServerError"] = status.LastApiServerError;
        }

        HealthCheckResult result;
        if (!status.IsReady)
        {
            result = new HealthCheckResult(context.Registration.FailureStatus, "No key set loaded yet: tokens are refused with 503.", data: data);
        }
        else if (status.KeysExpired)
        {
            result = new HealthCheckResult(context.Registration.FailureStatus, "The key set is older than the maximum staleness: tokens are refused with 503.", data: data);
        }
        else if (status.KeysStale)
        {
            result = HealthCheckResult.Degraded("The key set is older than the refresh interval: refreshes are failing.", data: data);
        }
        else if (status.WatchSynced == false)
        {
            // Tokens are still verified: their liveness goes to TokenReview until the index is back.
            result = HealthCheckResult.Degraded("The watch index is not synced or has lost its watch: liveness is confirmed by TokenReview meanwhile.", data: data);
        }
        else if (status.ApiServerHealthy == false)
        {
            result = HealthCheckResult.Degraded("The API server is failing.", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy("Keys loaded and fresh.", data);
        }

        return Task.FromResult(result);
    }
}
