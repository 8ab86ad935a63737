using Microsoft.Extensions.DependencyInjection;

namespace Verifier.Cluster;

/// <summary>Registers the API-server connection: the provider and the named HttpClient.</summary>
internal static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Placeholder until the Cluster feature lands: registers nothing. The Cluster work replaces this with the
    /// provider (explicit options, kubeconfig, in-cluster) and the configured <see cref="ClusterHttpClient.Name"/> client.
    /// </summary>
    public static IServiceCollection AddClusterConnection(this IServiceCollection services) => services;
}
