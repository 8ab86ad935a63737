using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Verifier.Cluster;

/// <summary>Registers the API-server connection: the provider, the named HttpClient and the typed client.</summary>
internal static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IClusterConnectionProvider"/> (from <see cref="KubernetesTokenVerifierOptions.ApiServer"/>),
    /// the <see cref="ClusterHttpClient.Name"/> client and <see cref="KubernetesApiClient"/>. Safe to call twice.
    /// Resolution is lazy: a misconfiguration throws <see cref="ClusterConfigurationException"/> on first use.
    /// </summary>
    public static IServiceCollection AddClusterConnection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ClusterConnectionProvider) && !descriptor.IsKeyedService)
            {
                return services;
            }
        }

        services.AddOptions();
        AddCommon(services);
        services.AddSingleton(sp => CreateProvider(sp, sp.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.ApiServer));
        services.TryAddSingleton<IClusterConnectionProvider>(sp => sp.GetRequiredService<ClusterConnectionProvider>());
        AddClusterHttpClient(services, ClusterHttpClient.Name, sp => sp.GetRequiredService<ClusterConnectionProvider>());
        services.TryAddSingleton(sp => CreateApiClient(sp, ClusterHttpClient.Name, sp.GetRequiredService<ClusterConnectionProvider>()));
        return services;
    }

    /// <summary>
    /// A second, independent connection under its own HttpClient name (e.g. the client side's TokenRequest with the
    /// workload's own credential). The provider is registered keyed by <paramref name="name"/>.
    /// </summary>
    public static IServiceCollection AddClusterConnection(this IServiceCollection services, string name, Func<IServiceProvider, ApiServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ClusterConnectionProvider) && descriptor.IsKeyedService && Equals(descriptor.ServiceKey, name))
            {
                return services;
            }
        }

        AddCommon(services);
        services.AddKeyedSingleton(name, (sp, _) => CreateProvider(sp, options(sp)));
        AddClusterHttpClient(services, name, sp => sp.GetRequiredKeyedService<ClusterConnectionProvider>(name));
        return services;
    }

    /// <summary>A <see cref="KubernetesApiClient"/> over the named client <paramref name="name"/>.</summary>
    public static KubernetesApiClient CreateApiClient(IServiceProvider services, string name, ClusterConnectionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(provider);
        var factory = services.GetRequiredService<IHttpClientFactory>();
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;

        // A client per call, as IHttpClientFactory intends: the singleton never pins one handler.
        return new KubernetesApiClient(() => factory.CreateClient(name), provider.Options, services.GetRequiredService<TimeProvider>(),
            loggerFactory.CreateLogger<KubernetesApiClient>());
    }

    private static void AddCommon(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEnvironmentVariables>(ProcessEnvironmentVariables.Instance);
    }

    private static ClusterConnectionProvider CreateProvider(IServiceProvider services, ApiServerOptions options) =>
        new(options, services.GetRequiredService<IEnvironmentVariables>(), services.GetRequiredService<TimeProvider>(),
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);

    private static void AddClusterHttpClient(IServiceCollection services, string name, Func<IServiceProvider, ClusterConnectionProvider> provider)
    {
        services.AddHttpClient(name)
            .ConfigureHttpClient((sp, client) =>
            {
                var connectionProvider = provider(sp);

                // No API server configured: no base address, which callers (the key source) report in their own terms.
                // A configuration that cannot work throws here (ClusterConfigurationException).
                if (connectionProvider.Connection is not { } connection)
                {
                    return;
                }

                var server = connection.Server.AbsoluteUri;
                client.BaseAddress = new Uri(server.EndsWith('/') ? server : server + "/");
                client.Timeout = connectionProvider.Options.RequestTimeout;
                client.MaxResponseContentBufferSize = connectionProvider.Options.MaxResponseBytes;
                client.DefaultRequestHeaders.UserAgent.Add(ClusterHttpClient.UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var connectionProvider = provider(sp);
                return connectionProvider.Connection switch
                {
                    null => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false },
                    { Exec: not null } connection => ClusterHttpHandlerFactory.CreateForExec(connection, connectionProvider.Options),
                    var connection => ClusterHttpHandlerFactory.Create(connection, connectionProvider.Options),
                };
            })
            .AddHttpMessageHandler(sp =>
            {
                var connectionProvider = provider(sp);
                return new ClusterBearerTokenHandler(connectionProvider.Connection?.Token, connectionProvider.TokenFile, connectionProvider.ExecPlugin,
                    sp.GetService<ILoggerFactory>()?.CreateLogger("Verifier.Cluster"));
            })

            // The connection is resolved once, so rotating handlers would rebuild the same thing; the pool's
            // PooledConnectionLifetime recycles connections instead.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)

            // Trace-level request logging would otherwise carry our bearer token in its structured state.
            .AddRedactingLogging();
    }
}
