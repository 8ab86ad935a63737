using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Verifier.AspNetCore.Health;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the token verifier's health check.</summary>
public static class KubernetesTokenVerifierHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the application's <c>IServiceAccountTokenVerifier</c>: Healthy when keys are loaded and fresh,
    /// Degraded when they are older than the refresh interval or the API server is failing, <paramref name="failureStatus"/>
    /// (default Unhealthy) before the first keys or past the maximum staleness.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">Default <see cref="KubernetesTokenVerifierHealthCheckDefaults.Name"/>.</param>
    /// <param name="failureStatus">Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Default <c>["ready"]</c> (<see cref="KubernetesTokenVerifierHealthCheckDefaults.ReadyTag"/>).</param>
    /// <param name="timeout">Default none (the check does no I/O).</param>
    public static IHealthChecksBuilder AddKubernetesTokenVerifier(
        this IHealthChecksBuilder builder,
        string name = KubernetesTokenVerifierHealthCheckDefaults.Name,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.TryAddSingleton<KubernetesTokenVerifierHealthCheck>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => sp.GetRequiredService<KubernetesTokenVerifierHealthCheck>(),
            failureStatus ?? HealthStatus.Unhealthy,
            tags ?? [KubernetesTokenVerifierHealthCheckDefaults.ReadyTag],
            timeout));
    }
}
