using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>
/// The impersonation filter (k8s.io/apiserver endpoints/filters/impersonation.go): <c>Impersonate-User</c> and
/// <c>Impersonate-Group</c> (kubectl <c>--as</c>, <c>--as-group</c>) replace the caller's identity when the caller
/// may <c>impersonate</c> that user (or service account) and each group; otherwise 403, naming the first refused one.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private const string ServiceAccountUserPrefix = "system:serviceaccount:";

    private (AuthenticatedUser? User, ApiError? Error) Impersonate(HttpRequest request, AuthenticatedUser requestor)
    {
        var userName = request.Headers["Impersonate-User"].ToString();
        var groups = request.Headers["Impersonate-Group"].Where(g => g is not null).Select(g => g!).ToList();
        var uid = request.Headers["Impersonate-Uid"].ToString();
        var hasExtra = request.Headers.Keys.Any(k => k.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase));
        if (userName.Length == 0)
        {
            return groups.Count > 0 || uid.Length > 0 || hasExtra
                ? (null, ApiError.BadRequest("requested impersonation of groups, uid or extra without impersonating a user"))
                : (requestor, null);
        }

        if (hasExtra)
        {
            // Deviation: user extras are not emulated; refuse rather than silently drop them.
            return (null, ApiError.BadRequest("Impersonate-Extra-* headers are not supported by LocalApiServer"));
        }

        // Checked in the filter's order: the user (as a service account when it is one), then each group, then the uid.
        var checks = new List<RequestInfo>();
        string? serviceAccountNamespace = null;
        if (userName.StartsWith(ServiceAccountUserPrefix, StringComparison.Ordinal)
            && userName[ServiceAccountUserPrefix.Length..].Split(':') is [{ Length: > 0 } ns, { Length: > 0 } sa])
        {
            serviceAccountNamespace = ns;
            checks.Add(ImpersonateAttributes("serviceaccounts", ns, sa, "", request.Path));
        }
        else
        {
            checks.Add(ImpersonateAttributes("users", "", userName, "", request.Path));
        }

        foreach (var group in groups)
        {
            checks.Add(ImpersonateAttributes("groups", "", group, "", request.Path));
        }

        if (uid.Length > 0)
        {
            checks.Add(ImpersonateAttributes("uids", "", uid, "authentication.k8s.io", request.Path));
        }

        foreach (var check in checks)
        {
            if (!state.Authorizer.Allows(requestor, check))
            {
                return (null, ApiError.Forbidden(check.Resource, check.ApiGroup, check.Name, State.Authorizer.ForbiddenReason(requestor, check)));
            }
        }

        if (serviceAccountNamespace is not null && groups.Count == 0)
        {
            // A service account without explicit groups gets its service-account groups.
            groups = [AuthenticatedUser.ServiceAccountsGroup, AuthenticatedUser.ServiceAccountsGroup + ":" + serviceAccountNamespace];
        }

        if (userName == AuthenticatedUser.Anonymous.Name)
        {
            if (!groups.Contains("system:unauthenticated"))
            {
                groups.Add("system:unauthenticated");
            }
        }
        else if (!groups.Contains(AuthenticatedUser.AuthenticatedGroup) && !groups.Contains("system:unauthenticated"))
        {
            groups.Add(AuthenticatedUser.AuthenticatedGroup);
        }

        return (new AuthenticatedUser(userName, uid.Length > 0 ? uid : null, groups, new SortedDictionary<string, List<string>>(StringComparer.Ordinal)), null);
    }

    private static RequestInfo ImpersonateAttributes(string resource, string @namespace, string name, string group, PathString path) =>
        new(path.Value ?? "/", "impersonate", true, group, "", @namespace, resource, "", name);
}
