using Microsoft.AspNetCore.Authorization;
using Verifier.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Authorization;

/// <summary>
/// Succeeds when the user has a verified service-account identity (from a Kubernetes service-account scheme, not
/// look-alike claims from another scheme) whose username is one of <see cref="Usernames"/>. Its own handler, so it
/// needs no DI registration.
/// </summary>
internal sealed class ServiceAccountRequirement(IEnumerable<string> usernames)
    : AuthorizationHandler<ServiceAccountRequirement>, IAuthorizationRequirement
{
    public IReadOnlySet<string> Usernames { get; } = new HashSet<string>(usernames, StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ServiceAccountRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.GetServiceAccount() is { } account && requirement.Usernames.Contains(account.Username))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => $"ServiceAccountRequirement: one of {string.Join(", ", Usernames)}";
}
