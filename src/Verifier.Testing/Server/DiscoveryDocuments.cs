using System.Globalization;
using System.Text;

namespace Verifier.Testing.Server;

/// <summary>
/// The unaggregated API discovery documents kubectl reads to map kinds to resources, limited to what
/// LocalApiServer serves. Aggregated discovery (apidiscovery.k8s.io/v2) is not offered: clients that ask for it
/// fall back when the response is plain <c>application/json</c>.
/// </summary>
internal static class DiscoveryDocuments
{
    public static readonly byte[] Api = Encoding.UTF8.GetBytes(
        """{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}""");

    public static readonly byte[] CoreV1 = Encoding.UTF8.GetBytes(
        """{"kind":"APIResourceList","groupVersion":"v1","resources":[""" +
        """{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","watch"],"shortNames":["ns"]},""" +
        """{"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["create","delete","get","list","watch"],"shortNames":["no"]},""" +
        """{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","get","list","watch"],"shortNames":["po"],"categories":["all"]},""" +
        """{"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["create","delete","get","list","watch"]},""" +
        """{"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":["create","delete","get","list","watch"],"shortNames":["sa"]},""" +
        """{"name":"serviceaccounts/token","singularName":"","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}""" +
        """]}""");

    public static readonly byte[] Apis = Encoding.UTF8.GetBytes(
        """{"kind":"APIGroupList","apiVersion":"v1","groups":[""" +
        """{"name":"authentication.k8s.io","versions":[{"groupVersion":"authentication.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authentication.k8s.io/v1","version":"v1"}},""" +
        """{"name":"authorization.k8s.io","versions":[{"groupVersion":"authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authorization.k8s.io/v1","version":"v1"}}]}""");

    public static readonly byte[] AuthenticationGroup = Encoding.UTF8.GetBytes(
        """{"kind":"APIGroup","apiVersion":"v1","name":"authentication.k8s.io","versions":[{"groupVersion":"authentication.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authentication.k8s.io/v1","version":"v1"}}""");

    public static readonly byte[] AuthenticationV1 = Encoding.UTF8.GetBytes(
        """{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"authentication.k8s.io/v1","resources":[""" +
        """{"name":"selfsubjectreviews","singularName":"selfsubjectreview","namespaced":false,"kind":"SelfSubjectReview","verbs":["create"]},""" +
        """{"name":"tokenreviews","singularName":"tokenreview","namespaced":false,"kind":"TokenReview","verbs":["create"]}]}""");

    public static readonly byte[] AuthorizationGroup = Encoding.UTF8.GetBytes(
        """{"kind":"APIGroup","apiVersion":"v1","name":"authorization.k8s.io","versions":[{"groupVersion":"authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authorization.k8s.io/v1","version":"v1"}}""");

    public static readonly byte[] AuthorizationV1 = Encoding.UTF8.GetBytes(
        """{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"authorization.k8s.io/v1","resources":[""" +
        """{"name":"selfsubjectaccessreviews","singularName":"selfsubjectaccessreview","namespaced":false,"kind":"SelfSubjectAccessReview","verbs":["create"]},""" +
        """{"name":"subjectaccessreviews","singularName":"subjectaccessreview","namespaced":false,"kind":"SubjectAccessReview","verbs":["create"]}]}""");

    /// <summary>The OpenAPI v3 index: one document per group version served.</summary>
    public static readonly byte[] OpenApiV3Root = Encoding.UTF8.GetBytes(
        """{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=local-2"},"apis/authentication.k8s.io/v1":{"serverRelativeURL":"/openapi/v3/apis/authentication.k8s.io/v1?hash=local-2"},"apis/authorization.k8s.io/v1":{"serverRelativeURL":"/openapi/v3/apis/authorization.k8s.io/v1?hash=local-2"}}}""");

    /// <summary>
    /// <c>/version</c> for <paramref name="identity"/>'s release. kubectl compares its minor version with its own and
    /// warns beyond one minor of skew.
    /// </summary>
    public static byte[] Version(ServerIdentity identity)
    {
        var major = identity.Version.Major.ToString(CultureInfo.InvariantCulture);
        var minor = identity.Version.Minor.ToString(CultureInfo.InvariantCulture);
        var previous = Math.Max(0, identity.Version.Minor - 1).ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(
            $$"""{"major":"{{major}}","minor":"{{minor}}","emulationMajor":"{{major}}","emulationMinor":"{{minor}}","minCompatibilityMajor":"{{major}}","minCompatibilityMinor":"{{previous}}","gitVersion":"{{identity.GitVersion}}","gitCommit":"0000000000000000000000000000000000000000","gitTreeState":"clean","buildDate":"2025-08-27T00:00:00Z","goVersion":"go1.24.6","compiler":"gc","platform":"linux/amd64"}""");
    }

    /// <summary>
    /// Just enough OpenAPI v3 for kubectl's field-validation probe (a PATCH operation carrying the kind and a
    /// <c>fieldValidation</c> query parameter), so kubectl relies on server-side validation instead of
    /// downloading the protobuf OpenAPI v2 schema for client-side checks. Deviation: the real documents describe
    /// every operation and schema, and TokenReview has no PATCH.
    /// </summary>
    public static readonly byte[] OpenApiV3CoreV1 = Encoding.UTF8.GetBytes(OpenApiV3(
        ("/api/v1/namespaces/{name}", "", "Namespace"),
        ("/api/v1/nodes/{name}", "", "Node"),
        ("/api/v1/namespaces/{namespace}/pods/{name}", "", "Pod"),
        ("/api/v1/namespaces/{namespace}/secrets/{name}", "", "Secret"),
        ("/api/v1/namespaces/{namespace}/serviceaccounts/{name}", "", "ServiceAccount")));

    public static readonly byte[] OpenApiV3AuthenticationV1 = Encoding.UTF8.GetBytes(OpenApiV3(
        ("/apis/authentication.k8s.io/v1/selfsubjectreviews", "authentication.k8s.io", "SelfSubjectReview"),
        ("/apis/authentication.k8s.io/v1/tokenreviews", "authentication.k8s.io", "TokenReview")));

    public static readonly byte[] OpenApiV3AuthorizationV1 = Encoding.UTF8.GetBytes(OpenApiV3(
        ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "authorization.k8s.io", "SelfSubjectAccessReview"),
        ("/apis/authorization.k8s.io/v1/subjectaccessreviews", "authorization.k8s.io", "SubjectAccessReview")));

    private static string OpenApiV3(params (string Path, string Group, string Kind)[] operations)
    {
        var sb = new StringBuilder("""{"openapi":"3.0.0","info":{"title":"Kubernetes","version":"v1.34.0"},"paths":{""");
        for (var i = 0; i < operations.Length; i++)
        {
            var (path, group, kind) = operations[i];
            sb.Append(i == 0 ? "" : ",")
              .Append('"').Append(path).Append("\":{\"patch\":{\"x-kubernetes-group-version-kind\":{\"group\":\"").Append(group)
              .Append("\",\"version\":\"v1\",\"kind\":\"").Append(kind)
              .Append("\"},\"parameters\":[{\"name\":\"fieldValidation\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}}],\"responses\":{}}}");
        }

        return sb.Append("},\"components\":{}}").ToString();
    }
}
