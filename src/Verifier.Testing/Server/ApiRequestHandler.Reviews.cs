using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>
/// SelfSubjectReview (<c>kubectl auth whoami</c>), SelfSubjectAccessReview (<c>kubectl auth can-i</c>) and
/// SubjectAccessReview, answered from the emulator's own authentication and RBAC.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private const string AuthorizationGroup = "authorization.k8s.io";

    /// <summary>True when <paramref name="info"/> is one of the review resources (and has been answered).</summary>
    private async Task<bool> TryHandleReviewAsync(HttpContext context, RequestInfo info)
    {
        var kind = (info.ApiGroup, info.ApiVersion, info.Resource) switch
        {
            ("authentication.k8s.io", "v1", "selfsubjectreviews") => "SelfSubjectReview",
            (AuthorizationGroup, "v1", "selfsubjectaccessreviews") => "SelfSubjectAccessReview",
            (AuthorizationGroup, "v1", "subjectaccessreviews") => "SubjectAccessReview",
            _ => null,
        };
        if (kind is null || info.Namespace.Length != 0 || info.Name.Length != 0)
        {
            return false;
        }

        if (info.Verb != "create")
        {
            await WriteErrorAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
            return true;
        }

        var user = (AuthenticatedUser)context.Items[UserKey]!;
        if (kind == "SelfSubjectReview")
        {
            // The body (an empty SelfSubjectReview, JSON or protobuf) carries nothing to read.
            await ReadAllAsync(context).ConfigureAwait(false);
            var review = new SelfSubjectReviewDto
            {
                Kind = kind,
                ApiVersion = "authentication.k8s.io/v1",
                Metadata = new ObjectMeta(),
                Status = new SelfSubjectReviewStatusDto { UserInfo = UserInfo(user) },
            };
            await WriteObjectAsync(context, 201, review, ApiJsonContext.Api.SelfSubjectReviewDto).ConfigureAwait(false);
            return true;
        }

        SubjectAccessReviewDto? body;
        ApiError? error = null;
        if (IsProtobuf(context))
        {
            if (!KubernetesProtobuf.TryDecodeAccessReview(await ReadAllAsync(context).ConfigureAwait(false), out body))
            {
                error = InvalidProtobuf(kind);
            }
        }
        else
        {
            (body, error) = await ReadBodyAsync(context, ApiJsonContext.Api.SubjectAccessReviewDto, kind).ConfigureAwait(false);
        }

        var spec = body?.Spec ?? new SubjectAccessReviewSpecDto();
        var resource = spec.ResourceAttributes;
        var nonResource = spec.NonResourceAttributes;
        error ??= (resource is null) == (nonResource is null)
            ? ApiError.Invalid(kind, AuthorizationGroup, "", "spec.resourceAttributes", "null", "exactly one of nonResourceAttributes or resourceAttributes must be specified")
            : null;
        if (kind == "SubjectAccessReview" && error is null)
        {
            error = string.IsNullOrEmpty(spec.User) && spec.Groups is not { Count: > 0 }
                ? ApiError.Invalid(kind, AuthorizationGroup, "", "spec.user", "\"\"", "at least one of user or group must be specified")
                : null;
            user = new AuthenticatedUser(spec.User ?? "", spec.Uid, spec.Groups ?? [], spec.Extra ?? new SortedDictionary<string, List<string>>(StringComparer.Ordinal));
        }

        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return true;
        }

        var attributes = resource is not null
            ? new RequestInfo("", resource.Verb ?? "", true, resource.Group ?? "", resource.Version ?? "", resource.Namespace ?? "", resource.Resource ?? "", resource.Subresource ?? "", resource.Name ?? "")
            : new RequestInfo(nonResource!.Path ?? "", nonResource.Verb ?? "", false);
        var allowed = state.Authorizer.Allows(user, attributes);
        var response = new SubjectAccessReviewDto
        {
            Kind = kind,
            ApiVersion = AuthorizationGroup + "/v1",
            Metadata = new ObjectMeta(),
            Spec = kind == "SubjectAccessReview"
                ? spec
                : new SubjectAccessReviewSpecDto { ResourceAttributes = resource, NonResourceAttributes = nonResource },
            Status = new SubjectAccessReviewStatusDto { Allowed = allowed },
        };
        await WriteObjectAsync(context, 201, response, ApiJsonContext.Api.SubjectAccessReviewDto).ConfigureAwait(false);
        return true;
    }

    private static UserInfoDto UserInfo(AuthenticatedUser user) => new()
    {
        Username = user.Name,
        Uid = user.Uid,
        Groups = [.. user.Groups],
        Extra = user.Extra.Count == 0 ? null : new SortedDictionary<string, List<string>>(user.Extra.ToDictionary(p => p.Key, p => new List<string>(p.Value)), StringComparer.Ordinal),
    };
}
