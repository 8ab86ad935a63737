namespace Verifier.AspNetCore.Authentication;

/// <summary>Default names of the Kubernetes service-account authentication scheme.</summary>
public static class KubernetesServiceAccountDefaults
{
    /// <summary>The default scheme name: <c>KubernetesServiceAccount</c>.</summary>
    public const string AuthenticationScheme = "KubernetesServiceAccount";

    /// <summary>The default display name.</summary>
    public const string DisplayName = "Kubernetes service account";
}
