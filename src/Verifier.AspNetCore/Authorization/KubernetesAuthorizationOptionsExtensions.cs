namespace Microsoft.AspNetCore.Authorization;

/// <summary>
/// Named policies on the verified Kubernetes service account, for <c>[Authorize(Policy = "…")]</c> and
/// <c>.RequireAuthorization("…")</c>. See <see cref="KubernetesAuthorizationPolicyBuilderExtensions"/>. The policy is
/// built at once, so a malformed service-account name throws <see cref="ArgumentException"/> at registration.
/// </summary>
public static class KubernetesAuthorizationOptionsExtensions
{
    /// <summary>Adds policy <paramref name="policyName"/> requiring one of <paramref name="serviceAccounts"/> (<c>namespace/name</c>).</summary>
    public static AuthorizationOptions AddServiceAccountPolicy(this AuthorizationOptions options, string policyName, params IEnumerable<string> serviceAccounts)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireAnyServiceAccount(serviceAccounts).Build());
        return options;
    }

    /// <summary>Adds policy <paramref name="policyName"/> requiring a service account in one of <paramref name="namespaces"/>.</summary>
    public static AuthorizationOptions AddServiceAccountNamespacePolicy(this AuthorizationOptions options, string policyName, params IEnumerable<string> namespaces)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireServiceAccountNamespace(namespaces).Build());
        return options;
    }

    /// <summary>Adds policy <paramref name="policyName"/> requiring a pod-bound token.</summary>
    public static AuthorizationOptions AddBoundPodPolicy(this AuthorizationOptions options, string policyName)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireBoundPod().Build());
        return options;
    }

    /// <summary>Adds policy <paramref name="policyName"/> requiring one of <paramref name="serviceAccounts"/> (<c>namespace/name</c>).</summary>
    public static AuthorizationBuilder AddServiceAccountPolicy(this AuthorizationBuilder builder, string policyName, params IEnumerable<string> serviceAccounts)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireAnyServiceAccount(serviceAccounts).Build());
    }

    /// <summary>Adds policy <paramref name="policyName"/> requiring a service account in one of <paramref name="namespaces"/>.</summary>
    public static AuthorizationBuilder AddServiceAccountNamespacePolicy(this AuthorizationBuilder builder, string policyName, params IEnumerable<string> namespaces)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireServiceAccountNamespace(namespaces).Build());
    }

    /// <summary>Adds policy <paramref name="policyName"/> requiring a pod-bound token.</summary>
    public static AuthorizationBuilder AddBoundPodPolicy(this AuthorizationBuilder builder, string policyName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPolicy(policyName, new AuthorizationPolicyBuilder().RequireBoundPod().Build());
    }
}
