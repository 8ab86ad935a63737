using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// Adds the scheme under <paramref name="authenticationScheme"/>, and the verifier it needs: the scheme verifies with
    /// the application's one <see cref="IServiceAccountTokenVerifier"/>, registered here as by
    /// <c>services.AddKubernetesTokenVerifier()</c> (idempotent; call it yourself with a configuration section to bind
    /// <c>Verifier</c> settings; a verifier of your own registered before this call is used instead). The accepted audiences
    /// are the verifier's (<c>Verifier:Audiences</c>); <see cref="KubernetesServiceAccountOptions.Audiences"/> only narrows them.
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

        // The scheme is self-contained, as JwtBearer's is: it registers the verifier it needs, unless the application
        // registered one of its own first (then nothing of the library's key machinery is added). Registering ours is
        // idempotent, so a later AddKubernetesTokenVerifier(configuration) only adds its configuration.
        if (!builder.Services.Any(static d => d.ServiceType == typeof(IServiceAccountTokenVerifier)))
        {
            builder.Services.AddKubernetesTokenVerifier();
        }

        builder.Services.AddOptions<KubernetesTokenVerifierOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesServiceAccountOptions>, KubernetesServiceAccountOptionsValidator>());
        builder.Services.AddOptions<KubernetesServiceAccountOptions>(authenticationScheme).ValidateOnStart();
        return builder.AddScheme<KubernetesServiceAccountOptions, KubernetesServiceAccountHandler>(authenticationScheme, displayName, configureOptions);
    }
}
