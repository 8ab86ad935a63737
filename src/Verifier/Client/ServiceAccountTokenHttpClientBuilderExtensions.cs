using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Client;
using Verifier.Cluster;
using Verifier.Diagnostics;

#pragma warning disable IDE0130 // Extension methods for IHttpClientBuilder live where IHttpClientBuilder does.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Attaches a Kubernetes service-account token to every request of a named HttpClient.</summary>
public static class ServiceAccountTokenHttpClientBuilderExtensions
{
    /// <summary>Bearer token from the projected token file at <paramref name="tokenPath"/> (e.g. <c>/var/run/secrets/tokens/factor-token</c>).</summary>
    public static IHttpClientBuilder AddServiceAccountToken(this IHttpClientBuilder builder, string tokenPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenPath);
        return builder.AddServiceAccountToken(o => o.Projected.Path = tokenPath);
    }

    /// <summary>
    /// Bearer token from a projected file (<see cref="ServiceAccountTokenOptions.Projected"/>, the default) or from the
    /// TokenRequest API (<see cref="ServiceAccountTokenOptions.TokenRequest"/>). One source per HttpClient name, shared by all
    /// its handlers; the options are named after the client, so they can also be bound from configuration.
    /// The client's request logging is replaced by one that redacts <c>Authorization</c> in messages and structured
    /// state alike (same categories and event ids); loggers added to the client before this call are removed.
    /// </summary>
    public static IHttpClientBuilder AddServiceAccountToken(this IHttpClientBuilder builder, Action<ServiceAccountTokenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var name = builder.Name;
        var services = builder.Services;
        services.Configure(name, configure);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(IServiceAccountTokenSource) && descriptor.IsKeyedService && Equals(descriptor.ServiceKey, name))
            {
                // Registered before: the options above add to it; a second handler would retry twice.
                return builder;
            }
        }

        services.AddOptions<ServiceAccountTokenOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceAccountTokenOptions>, ServiceAccountTokenOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<VerifierMetrics>();

        var apiClientName = ClusterHttpClient.Name + ".TokenRequest." + name;
        services.AddClusterConnection(apiClientName, sp =>
            sp.GetRequiredService<IOptionsMonitor<ServiceAccountTokenOptions>>().Get(name).TokenRequest?.ApiServer ?? new ApiServerOptions());
        services.AddKeyedSingleton<IServiceAccountTokenSource>(name, (sp, _) => CreateSource(sp, name, apiClientName));
        builder.AddHttpMessageHandler(sp => new ServiceAccountTokenHandler(
            sp.GetRequiredKeyedService<IServiceAccountTokenSource>(name),
            sp.GetService<ILogger<ServiceAccountTokenHandler>>()));

        // The handler puts the workload's token on this client, so this client's request logging must not carry it.
        return builder.AddRedactingLogging();
    }

    private static IServiceAccountTokenSource CreateSource(IServiceProvider services, string name, string apiClientName)
    {
        var options = services.GetRequiredService<IOptionsMonitor<ServiceAccountTokenOptions>>().Get(name);
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var metrics = services.GetService<VerifierMetrics>();
        if (options.TokenRequest is not { } tokenRequest)
        {
            return new ProjectedTokenSource(options.Projected, time, loggers.CreateLogger<ProjectedTokenSource>(), metrics);
        }

        var provider = services.GetRequiredKeyedService<ClusterConnectionProvider>(apiClientName);
        var api = ClusterServiceCollectionExtensions.CreateApiClient(services, apiClientName, provider);
        return new TokenRequestSource(tokenRequest, api, () => provider.Connection?.Namespace, time, loggers.CreateLogger<TokenRequestSource>(), metrics);
    }
}
