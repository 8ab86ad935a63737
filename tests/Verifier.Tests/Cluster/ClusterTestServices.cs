using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Verifier.Cluster;

namespace Verifier.Tests.Cluster;

/// <summary>A service provider with <c>AddClusterConnection()</c> and the given API-server options, clock, environment and logs.</summary>
public static class ClusterTestServices
{
    internal static ServiceProvider Build(Action<ApiServerOptions> configure, TimeProvider? time = null, FakeLogCollector? logs = null, IEnvironmentVariables? environment = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(environment ?? FakeEnvironment.Empty);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs ?? new FakeLogCollector())));
        services.Configure<KubernetesTokenVerifierOptions>(o => configure(o.ApiServer));
        services.AddClusterConnection();
        return services.BuildServiceProvider();
    }

    internal static HttpClient CreateClient(this ServiceProvider services) =>
        services.GetRequiredService<IHttpClientFactory>().CreateClient(ClusterHttpClient.Name);
}
