using Verifier.Testing.Tokens;

namespace Verifier.Testing;

/// <summary>Cluster role bindings (see <see cref="LocalApiServerRoles"/>).</summary>
public sealed partial class LocalApiServer
{
    /// <summary>Binds <paramref name="role"/> to the service account <c>system:serviceaccount:{ns}:{name}</c>.</summary>
    /// <exception cref="ArgumentException">For a role not in <see cref="LocalApiServerRoles"/>.</exception>
    public void GrantClusterRole(string role, string serviceAccountNamespace, string serviceAccountName) =>
        Bind(role, false, ClaimsJson.Username(serviceAccountNamespace, serviceAccountName));

    /// <summary>Binds <paramref name="role"/> to a group (e.g. <c>system:serviceaccounts:ns</c>, <c>system:unauthenticated</c>).</summary>
    public void GrantClusterRoleToGroup(string role, string group) => Bind(role, true, group);

    public bool RevokeClusterRole(string role, string serviceAccountNamespace, string serviceAccountName) =>
        _state.Authorizer.Unbind(role, false, ClaimsJson.Username(serviceAccountNamespace, serviceAccountName));

    public bool RevokeClusterRoleFromGroup(string role, string group) => _state.Authorizer.Unbind(role, true, group);

    private void Bind(string role, bool isGroup, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        if (!State.Authorizer.IsKnownRole(role))
        {
            throw new ArgumentException($"Unknown cluster role '{role}': use one of the LocalApiServerRoles constants.", nameof(role));
        }

        _state.Authorizer.Bind(role, isGroup, subject);
    }
}
