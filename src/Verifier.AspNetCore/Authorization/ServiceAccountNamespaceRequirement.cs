using Microsoft.AspNetCore.Authorization;
using Verifier.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Authorization;

/// <summary>Succeeds when the user has a verified service-account identity in one of <see cref="Namespaces"/>.</summary>
internal sealed class ServiceAccountNamespaceRequirement(IEnumerable<string> namespaces)
    : AuthorizationHandler<ServiceAccountNamespaceRequirement>, IAuthorizationRequirement
{
    public IReadOnlySet<string> Namespaces { get; } = new HashSet<string>(namespaces, StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ServiceAccountNamespaceRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.GetServiceAccount() is { } account && requirement.Namespaces.Contains(account.Namespace))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => $"ServiceAccountNamespaceRequirement: one of {string.Join(", ", Namespaces)}";
}
