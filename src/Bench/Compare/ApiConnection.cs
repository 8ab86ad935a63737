using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>
/// A <see cref="KubernetesApiClient"/> over one connection, built through the library's own registration so the
/// run reaches the API server exactly as the verifier does (CA trust, bearer token file, timeouts).
/// </summary>
internal sealed class ApiConnection : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public ApiConnection(Action<ApiServerOptions> configure, TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add(CompareRun.Audience);
            configure(o.ApiServer);
        });
        _services = services.BuildServiceProvider();
        Client = _services.GetRequiredService<KubernetesApiClient>();
    }

    public KubernetesApiClient Client { get; }

    /// <summary>The library's configured client for this connection (CA trust, bearer token), for raw requests.</summary>
    public HttpClient CreateHttpClient() => _services.GetRequiredService<IHttpClientFactory>().CreateClient(ClusterHttpClient.Name);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
