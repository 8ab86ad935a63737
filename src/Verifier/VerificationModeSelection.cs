using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.TokenReview;
using Verifier.Validation;
using Verifier.Cluster;
using Verifier.Watch;

namespace Verifier;

/// <summary>
/// Which mode is in effect, what it needs, and the one place that builds its <see cref="IVerificationStrategy"/> and
/// the <see cref="TokenVerifier"/> around it.
/// </summary>
internal static class VerificationModeSelection
{
    /// <summary>
    /// The configured mode; when unset, <see cref="VerificationMode.Hybrid"/> if an API server is configured,
    /// otherwise <see cref="VerificationMode.Local"/> (see <see cref="KubernetesTokenVerifierOptions.Mode"/>).
    /// </summary>
    public static VerificationMode Resolve(KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Mode ?? (HasApiServer(options.ApiServer) ? VerificationMode.Hybrid : VerificationMode.Local);
    }

    /// <summary>
    /// Whether the options name an API server, in <see cref="ApiServerOptions"/>' resolution order: explicit server,
    /// kubeconfig, or in-cluster (<c>KUBERNETES_SERVICE_HOST</c> set, unless <see cref="ApiServerOptions.UseInCluster"/> is false).
    /// </summary>
    public static bool HasApiServer(ApiServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Server is not null || !string.IsNullOrEmpty(options.KubeconfigPath) || options.UseInCluster == true)
        {
            return true;
        }

        return options.UseInCluster is null && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"));
    }

    /// <summary>Every mode but pure TokenReview verifies locally and needs the key set (Shadow needs it when either side does).</summary>
    public static bool UsesKeys(KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UsesKeys(Resolve(options), options.Shadow);
    }

    /// <summary>True when <paramref name="mode"/> (or, in shadow mode, either side of it) calls TokenReview.</summary>
    public static bool UsesApiServer(VerificationMode mode, ShadowOptions shadow)
    {
        ArgumentNullException.ThrowIfNull(shadow);
        return mode switch
        {
            VerificationMode.TokenReview or VerificationMode.Hybrid or VerificationMode.Watch => true,
            VerificationMode.Shadow => UsesApiServer(shadow.Primary, shadow) || UsesApiServer(shadow.Secondary, shadow),
            _ => false,
        };
    }

    /// <summary>True when the mode in effect (or, in shadow mode, either side of it) is <see cref="VerificationMode.Watch"/>: the watch worker runs.</summary>
    public static bool UsesWatch(KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mode = Resolve(options);
        return mode == VerificationMode.Watch
            || (mode == VerificationMode.Shadow && (options.Shadow.Primary == VerificationMode.Watch || options.Shadow.Secondary == VerificationMode.Watch));
    }

    /// <summary>
    /// The verifier for the mode in effect: the strategy (built here and nowhere else) inside the one
    /// <see cref="TokenVerifier"/>. Modes that do not verify locally never create the key store, so never wait for keys.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the mode calls TokenReview but no API server is configured.</exception>
    public static TokenVerifier CreateVerifier(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
        var mode = Resolve(options);
        if (UsesApiServer(mode, options.Shadow) && !HasApiServer(options.ApiServer))
        {
            throw new InvalidOperationException(
                $"Verification mode {mode} calls the API server's TokenReview, but no API server is configured. Set Verifier:ApiServer:Server "
                + "(or KubeconfigPath, or run in-cluster), or use Verifier:Mode = Local.");
        }

        return new TokenVerifier(
            CreateStrategy(mode, services, options),
            mode,
            options.Validation,
            services.GetRequiredService<TokenHasher>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<VerifierMetrics>(),
            services.GetRequiredService<ILogger<TokenVerifier>>());
    }

    private static bool UsesKeys(VerificationMode mode, ShadowOptions shadow) => mode switch
    {
        VerificationMode.TokenReview => false,
        VerificationMode.Shadow => UsesKeys(shadow.Primary, shadow) || UsesKeys(shadow.Secondary, shadow),
        _ => true,
    };

    private static IVerificationStrategy CreateStrategy(VerificationMode mode, IServiceProvider services, KubernetesTokenVerifierOptions options) => mode switch
    {
        VerificationMode.Local => services.GetRequiredService<LocalVerification>(),
        VerificationMode.TokenReview => new TokenReviewVerification(services.GetRequiredService<TokenReviewer>()),
        VerificationMode.Hybrid => CreateHybrid(services, options),

        // Watch mode falls back to a hybrid of its own (its binding cache is evicted by the watch's revocations).
        VerificationMode.Watch => new WatchVerification(
            services.GetRequiredService<LocalVerification>(),
            CreateHybrid(services, options),
            services.GetRequiredService<BoundObjectIndex>(),
            services.GetRequiredService<VerifierMetrics>(),
            services.GetRequiredService<TimeProvider>()),

        // The secondary's verdicts are comparisons (verifier.shadow.comparisons), never verifications: only the
        // TokenVerifier around the primary records those.
        VerificationMode.Shadow => new ShadowVerification(
            CreateStrategy(options.Shadow.Primary, services, options),
            CreateStrategy(options.Shadow.Secondary, services, options),
            services.GetRequiredService<ShadowComparisonRecorder>(),
            options.Shadow,
            services.GetRequiredService<VerifierMetrics>(),
            services.GetRequiredService<ILogger<ShadowVerification>>()),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown verification mode."),
    };

    private static HybridVerification CreateHybrid(IServiceProvider services, KubernetesTokenVerifierOptions options) => new(
        services.GetRequiredService<LocalVerification>(),
        services.GetRequiredService<TokenReviewer>(),
        services.GetRequiredService<TokenHasher>(),
        options.Hybrid,
        services.GetRequiredService<VerifierMetrics>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILogger<HybridVerification>>());
}
