using System.Net.Http.Headers;
using System.Reflection;

namespace Verifier.Cluster;

/// <summary>
/// The one named <see cref="HttpClient"/> for the API server, so every caller gets the same trust, limits and credentials. Its base address, CA trust,
/// bearer-token handler, timeout, size cap and User-Agent are configured by <see cref="ClusterServiceCollectionExtensions.AddClusterConnection(Microsoft.Extensions.DependencyInjection.IServiceCollection)"/>;
/// callers use relative URIs such as <c>/openid/v1/jwks</c>.
/// </summary>
internal static class ClusterHttpClient
{
    public const string Name = "Verifier.ApiServer";

    /// <summary><c>Verifier/&lt;informational version without build metadata&gt;</c>.</summary>
    public static ProductInfoHeaderValue UserAgent { get; } = CreateUserAgent();

    private static ProductInfoHeaderValue CreateUserAgent()
    {
        var assembly = typeof(ClusterHttpClient).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return new ProductInfoHeaderValue("Verifier", plus < 0 ? version : version[..plus]);
    }
}
