using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Cluster;
using Verifier.Diagnostics;
using Verifier.Hybrid;
using Verifier.Keys;
using Verifier.Shadow;
using Verifier.TokenReview;
using Verifier.Validation;
using Verifier.Watch;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kubernetes service-account token verifier.</summary>
public static class KubernetesTokenVerifierServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IServiceAccountTokenVerifier"/>, its key store and refresh worker, metrics and options
    /// (validated at start). Safe to call more than once: later calls only add <paramref name="configure"/>.
    /// </summary>
    public static KubernetesTokenVerifierBuilder AddKubernetesTokenVerifier(this IServiceCollection services, Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new KubernetesTokenVerifierBuilder(services);
    }

    /// <summary>
    /// As <see cref="AddKubernetesTokenVerifier(IServiceCollection, Action{KubernetesTokenVerifierOptions}?)"/>, binding
    /// the options from the <paramref name="sectionName"/> section of <paramref name="configuration"/> (the root),
    /// then applying <paramref name="configure"/>.
    /// </summary>
    public static KubernetesTokenVerifierBuilder AddKubernetesTokenVerifier(
        this IServiceCollection services,
        IConfiguration configuration,
        string sectionName = KubernetesTokenVerifierOptions.SectionName,
        Action<KubernetesTokenVerifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        AddCore(services);
        services.Configure<KubernetesTokenVerifierOptions>(configuration.GetSection(sectionName));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new KubernetesTokenVerifierBuilder(services);
    }

    private static void AddCore(IServiceCollection services)
    {
        // Registrations that must not repeat (named-client configuration would otherwise run twice).
        if (services.Any(static d => d.ServiceType == typeof(VerifierRegistrationMarker)))
        {
            return;
        }

        services.AddSingleton<VerifierRegistrationMarker>();
        services.AddOptions<KubernetesTokenVerifierOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, KubernetesTokenVerifierOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, KeySourceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, ValidationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, ApiServerOptionsValidator>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<VerifierMetrics>();

        // The API server connection (base address, CA trust, bearer token) comes from the Cluster feature.
        services.AddClusterConnection();
        services.AddHttpClient(PublicIssuerHttpClient.Name, static (sp, client) =>
        {
            var keys = sp.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Keys;
            client.Timeout = keys.FetchTimeout;
            client.MaxResponseContentBufferSize = keys.MaxResponseBytes;
            client.DefaultRequestHeaders.UserAgent.Add(ClusterHttpClient.UserAgent);
        }).AddRedactingLogging();

        // The one keyed hash: result cache, TokenReview cache, binding keys and log lines.
        services.TryAddSingleton<TokenHasher>();

        // Keys and local validation. In pure TokenReview mode these are never resolved and the worker exits at once.
        services.TryAddSingleton<IKeySource>(CreateKeySource);
        services.TryAddSingleton<KeyStore>();
        services.TryAddSingleton<LocalVerification>();
        services.AddHostedService<KeyRefreshWorker>();

        // TokenReview (also Hybrid's and Shadow's): one reviewer, so one cache, breaker and concurrency bound for every
        // mode. Lazy: nothing touches the API server until a mode that needs it verifies a token.
        services.TryAddSingleton<ITokenReviewTransport>(static sp => new KubernetesApiTokenReviewTransport(sp.GetRequiredService<KubernetesApiClient>()));
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
            return new TokenReviewer(
                sp.GetRequiredService<ITokenReviewTransport>(),
                options.TokenReview,
                [.. options.Audiences],
                sp.GetRequiredService<TokenHasher>(),
                sp.GetRequiredService<VerifierMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TokenReviewer>>());
        });
        services.TryAddSingleton<ShadowComparisonRecorder>();
        services.TryAddSingleton<IShadowComparisonReporter>(static sp => sp.GetRequiredService<ShadowComparisonRecorder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, TokenReviewOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, HybridOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, ShadowOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesTokenVerifierOptions>, WatchOptionsValidator>());

        // Watch mode: the bound-object index and the hosted worker that lists and watches into it (idle in other modes).
        services.TryAddSingleton(static sp => new BoundObjectIndex(
            sp.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Watch,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<VerifierMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BoundObjectIndex>>()));
        services.AddHostedService<BoundObjectWatchWorker>();

        // The one verifier: the mode's strategy inside TokenVerifier (VerificationModeSelection).
        services.TryAddSingleton<TokenVerifier>(VerificationModeSelection.CreateVerifier);
        services.TryAddSingleton<IServiceAccountTokenVerifier>(static sp => sp.GetRequiredService<TokenVerifier>());
    }

    private static IKeySource CreateKeySource(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>();
        return options.Value.Keys.Source switch
        {
            KeySourceKind.ApiServer => ActivatorUtilities.CreateInstance<ApiServerKeySource>(services),
            KeySourceKind.PublicIssuer => ActivatorUtilities.CreateInstance<PublicIssuerKeySource>(services),
            KeySourceKind.StaticFile => ActivatorUtilities.CreateInstance<StaticFileKeySource>(services),
            _ => throw new InvalidOperationException($"Unknown key source {options.Value.Keys.Source}."),
        };
    }

    /// <summary>Marks that the one-time registrations ran.</summary>
    private sealed class VerifierRegistrationMarker;
}
