using Verifier.AspNetCore.Authorization;

namespace Microsoft.AspNetCore.Authorization;

/// <summary>
/// Policy requirements on the verified Kubernetes service account. They look only at identities produced by a
/// Kubernetes service-account scheme, so make sure the policy's user was authenticated by one (default scheme,
/// or <c>AddAuthenticationSchemes</c>). A verified caller that fails them gets 403.
/// </summary>
public static class KubernetesAuthorizationPolicyBuilderExtensions
{
    /// <summary>Requires the service account <paramref name="namespace"/>/<paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">When a part is empty or contains <c>:</c> or <c>/</c>.</exception>
    public static AuthorizationPolicyBuilder RequireServiceAccount(this AuthorizationPolicyBuilder builder, string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthenticatedUser().AddRequirements(new ServiceAccountRequirement([ServiceAccountNames.ToUsername(@namespace, name)]));
    }

    /// <summary>
    /// Requires one of <paramref name="serviceAccounts"/>, each written <c>namespace/name</c> or
    /// <c>system:serviceaccount:namespace:name</c>.
    /// </summary>
    /// <exception cref="ArgumentException">When the list is empty or an entry is neither spelling.</exception>
    public static AuthorizationPolicyBuilder RequireAnyServiceAccount(this AuthorizationPolicyBuilder builder, params IEnumerable<string> serviceAccounts)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceAccounts);
        var usernames = new List<string>();
        foreach (var account in serviceAccounts)
        {
            usernames.Add(ServiceAccountNames.ToUsername(account));
        }

        if (usernames.Count == 0)
        {
            throw new ArgumentException("At least one service account is required; an empty list would deny everyone.", nameof(serviceAccounts));
        }

        return builder.RequireAuthenticatedUser().AddRequirements(new ServiceAccountRequirement(usernames));
    }

    /// <summary>Requires a service account in one of <paramref name="namespaces"/>.</summary>
    /// <exception cref="ArgumentException">When the list is empty or holds an empty name.</exception>
    public static AuthorizationPolicyBuilder RequireServiceAccountNamespace(this AuthorizationPolicyBuilder builder, params IEnumerable<string> namespaces)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(namespaces);
        var list = new List<string>();
        foreach (var ns in namespaces)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(ns, nameof(namespaces));
            list.Add(ns.Trim());
        }

        if (list.Count == 0)
        {
            throw new ArgumentException("At least one namespace is required; an empty list would deny everyone.", nameof(namespaces));
        }

        return builder.RequireAuthenticatedUser().AddRequirements(new ServiceAccountNamespaceRequirement(list));
    }

    /// <summary>Requires a token bound to a pod (TokenReview would report its pod name and uid).</summary>
    public static AuthorizationPolicyBuilder RequireBoundPod(this AuthorizationPolicyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthenticatedUser().AddRequirements(new BoundPodRequirement());
    }
}
