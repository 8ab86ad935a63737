using System.Security.Claims;

namespace Verifier.AspNetCore.Authentication;

/// <summary>Reads the verified service account back from a principal.</summary>
public static class KubernetesClaimsPrincipalExtensions
{
    /// <summary>
    /// The service account verified by a Kubernetes service-account scheme, or null when no identity of
    /// <paramref name="principal"/> came from one (claims with the same names from other schemes do not count).
    /// </summary>
    public static ServiceAccountIdentity? GetServiceAccount(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        foreach (var identity in principal.Identities)
        {
            if (identity is ServiceAccountClaimsIdentity { IsAuthenticated: true } serviceAccount)
            {
                return serviceAccount.ServiceAccount;
            }
        }

        return null;
    }
}
