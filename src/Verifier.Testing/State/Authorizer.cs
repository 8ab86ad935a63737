using Verifier.Testing.Server;
using Verifier.Testing.Tokens;

namespace Verifier.Testing.State;

/// <summary>
/// A small RBAC: a fixed set of cluster roles (bootstrap-policy subsets plus a token creator), cluster role
/// bindings to users and groups that tests can add and remove, and the <c>system:masters</c> bypass.
/// </summary>
internal sealed class Authorizer
{
    private static readonly Dictionary<string, Rule[]> Roles = new(StringComparer.Ordinal)
    {
        [LocalApiServerRoles.ClusterAdmin] = [new Rule(["*"], ["*"], ["*"], []), new Rule(["*"], [], [], ["*"])],
        [LocalApiServerRoles.AuthDelegator] =
        [
            new Rule(["create"], ["authentication.k8s.io"], ["tokenreviews"], []),
            new Rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"], []),
        ],
        [LocalApiServerRoles.TokenCreator] = [new Rule(["create"], [""], ["serviceaccounts/token"], [])],
        [LocalApiServerRoles.IssuerDiscovery] = [new Rule(["get"], [], [], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"])],
        [LocalApiServerRoles.View] = [new Rule(["get", "list", "watch"], [""], ["namespaces", "serviceaccounts", "pods", "nodes"], [])],
        [LocalApiServerRoles.BoundObjectWatcher] = [new Rule(["list", "watch"], [""], ["pods", "serviceaccounts", "secrets", "nodes"], [])],
        [LocalApiServerRoles.Impersonator] = [new Rule(["impersonate"], [""], ["users", "groups", "serviceaccounts"], [])],
        ["system:basic-user"] =
        [
            new Rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"], []),
            new Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], []),
        ],
        ["system:discovery"] = [new Rule(["get"], [], [], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])],
        ["system:public-info-viewer"] = [new Rule(["get"], [], [], ["/healthz", "/livez", "/readyz", "/version", "/version/"])],
    };

    private readonly Lock _lock = new();
    private readonly HashSet<(string Role, bool IsGroup, string Subject)> _bindings = [];

    public Authorizer(IEnumerable<string> issuerDiscoveryGroups)
    {
        _bindings.Add(("system:basic-user", true, AuthenticatedUser.AuthenticatedGroup));
        _bindings.Add(("system:discovery", true, AuthenticatedUser.AuthenticatedGroup));
        _bindings.Add(("system:public-info-viewer", true, AuthenticatedUser.AuthenticatedGroup));
        _bindings.Add(("system:public-info-viewer", true, "system:unauthenticated"));
        foreach (var g in issuerDiscoveryGroups)
        {
            _bindings.Add((LocalApiServerRoles.IssuerDiscovery, true, g));
        }
    }

    public static bool IsKnownRole(string role) => Roles.ContainsKey(role);

    public void Bind(string role, bool isGroup, string subject)
    {
        lock (_lock)
        {
            _bindings.Add((role, isGroup, subject));
        }
    }

    public bool Unbind(string role, bool isGroup, string subject)
    {
        lock (_lock)
        {
            return _bindings.Remove((role, isGroup, subject));
        }
    }

    public bool Allows(AuthenticatedUser user, RequestInfo request)
    {
        if (user.InGroup("system:masters"))
        {
            return true;
        }

        lock (_lock)
        {
            foreach (var (role, isGroup, subject) in _bindings)
            {
                var applies = isGroup ? user.InGroup(subject) : user.Name == subject;
                if (applies && Roles[role].Any(r => r.Matches(request)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>responsewriters.forbiddenMessage.</summary>
    public static string ForbiddenReason(AuthenticatedUser user, RequestInfo request)
    {
        if (!request.IsResourceRequest)
        {
            return $"User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"";
        }

        var resource = request.Subresource.Length > 0 ? request.Resource + "/" + request.Subresource : request.Resource;
        return request.Namespace.Length > 0
            ? $"User \"{user.Name}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.ApiGroup}\" in the namespace \"{request.Namespace}\""
            : $"User \"{user.Name}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.ApiGroup}\" at the cluster scope";
    }

    private sealed record Rule(string[] Verbs, string[] ApiGroups, string[] Resources, string[] NonResourceUrls)
    {
        public bool Matches(RequestInfo r)
        {
            if (!Verbs.Contains("*") && !Verbs.Contains(r.Verb))
            {
                return false;
            }

            if (!r.IsResourceRequest)
            {
                return NonResourceUrls.Any(u => u == "*" || u == r.Path || (u.EndsWith('*') && r.Path.StartsWith(u[..^1], StringComparison.Ordinal)));
            }

            var resource = r.Subresource.Length > 0 ? r.Resource + "/" + r.Subresource : r.Resource;
            return (ApiGroups.Contains("*") || ApiGroups.Contains(r.ApiGroup))
                && (Resources.Contains("*") || Resources.Contains(resource));
        }
    }
}
