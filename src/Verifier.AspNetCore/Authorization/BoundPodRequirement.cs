using Microsoft.AspNetCore.Authorization;
using Verifier.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Authorization;

/// <summary>
/// Succeeds when the user has a verified service-account identity whose token is bound to a pod (pod name and uid
/// present), i.e. not a token bound to a Secret or Node, not a legacy token, and not an unbound TokenRequest token.
/// </summary>
internal sealed class BoundPodRequirement : AuthorizationHandler<BoundPodRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, BoundPodRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.GetServiceAccount() is { PodName: not null, PodUid: not null })
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => "BoundPodRequirement: token bound to a pod";
}
