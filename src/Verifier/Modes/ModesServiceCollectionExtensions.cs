using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Verifier.Cluster;
using Verifier.Diagnostics;
using Verifier.TokenReview;

namespace Verifier.Modes;

/// <summary>Registers what the TokenReview, Hybrid and Shadow modes share; called by <c>AddKubernetesTokenVerifier</c>.</summary>
internal static class ModesServiceCollectionExtensions
{
    /// <summary>
    /// The reviewer (one cache, breaker and concurrency bound for every mode) over the cluster's
    /// <see cref="KubernetesApiClient"/> (registered by <c>AddClusterConnection</c>), its key hasher, the shadow recorder
    /// (also as the public <see cref="IShadowComparisonReporter"/>), the mode factory and the options validator.
    /// Everything is lazy: nothing here touches the API server until a mode that needs it verifies a token. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddVerifierModes(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<VerifierMetrics>();
        services.TryAddSingleton<TokenReviewKeyHasher>();
        services.TryAddSingleton<TokenReviewer>();
        services.TryAddSingleton<ShadowComparisonRecorder>();
        services.TryAddSingleton<IShadowComparisonReporter>(sp => sp.GetRequiredService<ShadowComparisonRecorder>());
        services.TryAddSingleton<VerifierModeFactory>();
        services.TryAddSingleton<ITokenReviewTransport>(static sp => new KubernetesApiTokenReviewTransport(sp.GetRequiredService<KubernetesApiClient>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, ModeOptionsValidator>());
        return services;
    }
}
