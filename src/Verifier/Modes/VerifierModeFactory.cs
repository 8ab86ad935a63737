using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.TokenReview;
using Verifier.Validation;

namespace Verifier.Modes;

/// <summary>
/// Builds the <see cref="IServiceAccountTokenVerifier"/> for the mode in effect (<see cref="VerificationModeResolver"/>). The local verifier is passed in as a factory so
/// that modes which do not need it (pure TokenReview) never create it, and so never wait for keys.
/// </summary>
internal sealed class VerifierModeFactory(IServiceProvider services)
{
    /// <summary>True when <paramref name="mode"/> (or, in shadow mode, either side of it) calls TokenReview.</summary>
    public static bool UsesApiServer(VerificationMode mode, ShadowOptions shadow)
    {
        ArgumentNullException.ThrowIfNull(shadow);
        return mode switch
        {
            VerificationMode.TokenReview or VerificationMode.Hybrid => true,
            VerificationMode.Shadow => UsesApiServer(shadow.Primary, shadow) || UsesApiServer(shadow.Secondary, shadow),
            _ => false,
        };
    }

    /// <exception cref="InvalidOperationException">When the mode calls TokenReview but no API server is configured.</exception>
    public IServiceAccountTokenVerifier Create(VerificationMode mode, Func<IServiceAccountTokenVerifier> local)
    {
        ArgumentNullException.ThrowIfNull(local);
        var options = services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
        if (UsesApiServer(mode, options.Shadow) && !VerificationModeResolver.HasApiServer(options.ApiServer))
        {
            throw new InvalidOperationException(
                $"Verification mode {mode} calls the API server's TokenReview, but no API server is configured. Set Verifier:ApiServer:Server "
                + "(or KubeconfigPath, or run in-cluster), or use Verifier:Mode = Local.");
        }

        return Create(mode, local, options, recordMetrics: true);
    }

    private IServiceAccountTokenVerifier Create(VerificationMode mode, Func<IServiceAccountTokenVerifier> local, KubernetesTokenVerifierOptions options, bool recordMetrics)
    {
        var accessor = services.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>();
        return mode switch
        {
            VerificationMode.Local => recordMetrics ? local() : Unrecorded(local()),
            VerificationMode.TokenReview => new TokenReviewVerifier(
                services.GetRequiredService<TokenReviewer>(), accessor, services.GetRequiredService<VerifierMetrics>(), services.GetRequiredService<TimeProvider>(), recordMetrics),
            VerificationMode.Hybrid => new HybridVerifier(
                Unrecorded(local()),
                services.GetRequiredService<TokenReviewer>(),
                services.GetRequiredService<TokenReviewKeyHasher>(),
                accessor,
                services.GetRequiredService<VerifierMetrics>(),
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<HybridVerifier>>(),
                recordMetrics),

            // The secondary's samples are comparisons (verifier.shadow.comparisons), not verifications.
            VerificationMode.Shadow => new ShadowVerifier(
                Create(options.Shadow.Primary, local, options, recordMetrics: true),
                Create(options.Shadow.Secondary, local, options, recordMetrics: false),
                services.GetRequiredService<ShadowComparisonRecorder>(),
                accessor,
                services.GetRequiredService<VerifierMetrics>(),
                services.GetRequiredService<ILogger<ShadowVerifier>>()),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown verification mode."),
        };
    }

    private static IServiceAccountTokenVerifier Unrecorded(IServiceAccountTokenVerifier local) =>
        local is LocalTokenVerifier verifier ? new UnrecordedLocalVerifier(verifier) : local;
}
