using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.AspNetCore.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Kubernetes service-account authentication scheme.</summary>
public static class KubernetesServiceAccountExtensions
{
    /// <summary>Adds the scheme under <see cref="KubernetesServiceAccountDefaults.AuthenticationScheme"/>.</summary>
    public static AuthenticationBuilder AddKubernetesServiceAccount(this AuthenticationBuilder builder) =>
        builder.AddKubernetesServiceAccount(KubernetesServiceAccountDefaults.AuthenticationScheme, _ => { });

    /// <summary>Adds the scheme under <see cref="KubernetesServiceAccountDefaults.AuthenticationScheme"/>.</summary>
    public static AuthenticationBuilder AddKubernetesServiceAccount(this AuthenticationBuilder builder, Action<KubernetesServiceAccountOptions> configureOptions) =>
        builder.AddKubernetesServiceAccount(KubernetesServiceAccountDefaults.AuthenticationScheme, configureOptions);

    /// <summary>Adds the scheme under <paramref name="authenticationScheme"/>.</summary>
    public static AuthenticationBuilder AddKubernetesServiceAccount(this AuthenticationBuilder builder, string authenticationScheme, Action<KubernetesServiceAccountOptions> configureOptions) =>
        builder.AddKubernetesServiceAccount(authenticationScheme, KubernetesServiceAccountDefaults.DisplayName, configureOptions);

    /// <summary>
    /// Adds the scheme under <paramref name="authenticationScheme"/>. The scheme verifies with the application's one
    /// <see cref="IServiceAccountTokenVerifier"/> (register it with <c>services.AddKubernetesTokenVerifier(...)</c>);
    /// its audiences are forwarded into the verifier's options (see <see cref="KubernetesServiceAccountOptions.Audiences"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">From <c>AddScheme</c>, when the scheme name is already taken.</exception>
    public static AuthenticationBuilder AddKubernetesServiceAccount(
        this AuthenticationBuilder builder,
        string authenticationScheme,
        string? displayName,
        Action<KubernetesServiceAccountOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        ArgumentNullException.ThrowIfNull(configureOptions);

        builder.Services.AddSingleton<IPostConfigureOptions<KubernetesTokenVerifierOptions>>(sp =>
            new SchemeAudienceForwarder(authenticationScheme, sp.GetRequiredService<IOptionsMonitor<KubernetesServiceAccountOptions>>()));

        // Surface an audience conflict, or a missing verifier, when the host starts rather than on the first request.
        builder.Services.AddOptions<KubernetesTokenVerifierOptions>().ValidateOnStart();
        builder.Services.AddOptions<KubernetesServiceAccountOptions>(authenticationScheme)
            .Validate<IServiceProviderIsService>(
                static (_, services) => services.IsService(typeof(IServiceAccountTokenVerifier)),
                $"Authentication scheme '{authenticationScheme}' verifies tokens with IServiceAccountTokenVerifier, which is not registered: " +
                "call services.AddKubernetesTokenVerifier(builder.Configuration) (or register your own IServiceAccountTokenVerifier).")
            .ValidateOnStart();
        return builder.AddScheme<KubernetesServiceAccountOptions, KubernetesServiceAccountHandler>(authenticationScheme, displayName, configureOptions);
    }
}
