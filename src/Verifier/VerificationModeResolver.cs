namespace Verifier;

/// <summary>Turns the configured (possibly absent) <see cref="KubernetesTokenVerifierOptions.Mode"/> into the mode in effect.</summary>
internal static class VerificationModeResolver
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

    /// <summary>Every mode but pure TokenReview verifies locally and needs the key set (Shadow needs it when either side is local or hybrid).</summary>
    public static bool UsesKeys(KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Resolve(options) switch
        {
            VerificationMode.TokenReview => false,
            VerificationMode.Shadow => options.Shadow.Primary != VerificationMode.TokenReview || options.Shadow.Secondary != VerificationMode.TokenReview,
            _ => true,
        };
    }
}
