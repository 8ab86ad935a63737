using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Verifier.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Startup behaviour of the token verifier in a generic host.</summary>
public static class KubernetesTokenVerifierStartupExtensions
{
    /// <summary>
    /// Adds the startup gate: with <see cref="KubernetesTokenVerifierStartupOptions.WaitUntilReady"/> the host's start
    /// completes only once the verifier has keys (or fails/continues degraded after the timeout). Safe to call twice.
    /// </summary>
    public static IServiceCollection AddKubernetesTokenVerifierStartup(this IServiceCollection services, Action<KubernetesTokenVerifierStartupOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<KubernetesTokenVerifierStartupOptions>()
            .Validate(o => o.ReadyTimeout > TimeSpan.Zero, $"{KubernetesTokenVerifierStartupOptions.SectionName}:ReadyTimeout must be positive (e.g. 00:00:30).")
            .ValidateOnStart();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, VerifierStartupGate>());
        return services;
    }

    /// <summary>
    /// The host's start completes only once the verifier has keys: <see cref="AddKubernetesTokenVerifierStartup"/> with
    /// <see cref="KubernetesTokenVerifierStartupOptions.WaitUntilReady"/> on, then <paramref name="configure"/>.
    /// </summary>
    public static KubernetesTokenVerifierBuilder WaitUntilReadyOnStartup(this KubernetesTokenVerifierBuilder builder, Action<KubernetesTokenVerifierStartupOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKubernetesTokenVerifierStartup(o =>
        {
            o.WaitUntilReady = true;
            configure?.Invoke(o);
        });
        return builder;
    }
}
