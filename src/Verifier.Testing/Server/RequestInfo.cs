namespace Verifier.Testing.Server;

/// <summary>
/// k8s.io/apiserver RequestInfoFactory's reading of a request: resource requests (<c>/api/v1/…</c>,
/// <c>/apis/g/v/…</c> with at least a resource) versus non-resource paths (<c>/api</c>, <c>/version</c>, …).
/// </summary>
internal sealed record RequestInfo(
    string Path,
    string Verb,
    bool IsResourceRequest,
    string ApiGroup = "",
    string ApiVersion = "",
    string Namespace = "",
    string Resource = "",
    string Subresource = "",
    string Name = "")
{
    public static RequestInfo Parse(string path, string method, bool watch)
    {
        var verb = method switch
        {
            "GET" or "HEAD" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        var nonResource = new RequestInfo(path, method.ToLowerInvariant(), false);
        var parts = path.Trim('/').Split('/');
        int index;
        string group;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            group = "";
            index = 1;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            index = 2;
        }
        else
        {
            return nonResource;
        }

        var version = parts[index];
        var rest = parts[(index + 1)..];
        if (rest.Length == 0)
        {
            return nonResource;
        }

        var ns = "";
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            if (rest.Length > 2 && rest[2] != "status" && rest[2] != "finalize")
            {
                rest = rest[2..];
            }
        }

        var resource = rest[0];
        var name = rest.Length >= 2 ? rest[1] : "";
        var sub = rest.Length >= 3 ? rest[2] : "";
        if (name.Length == 0 && verb == "get")
        {
            verb = watch ? "watch" : "list";
        }
        else if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }
        else if (watch && verb == "get")
        {
            verb = "watch";
        }

        return new RequestInfo(path, verb, true, group, version, ns, resource, sub, name);
    }
}
