using System.Security.Claims;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// The <see cref="ClaimsIdentity"/> the scheme produces. The type itself is the marker the authorization
/// requirements look for: a claim named <c>kubernetes.io/namespace</c> that some other scheme (say a JWT bearer
/// scheme trusting another issuer) put on its own identity is never taken for a verified service account.
/// </summary>
internal sealed class ServiceAccountClaimsIdentity : ClaimsIdentity
{
    public ServiceAccountClaimsIdentity(ServiceAccountIdentity serviceAccount, string authenticationType)
        : base(authenticationType, KubernetesClaimTypes.Username, KubernetesClaimTypes.Group)
    {
        ArgumentNullException.ThrowIfNull(serviceAccount);
        ServiceAccount = serviceAccount;

        // Claim.Issuer carries the token's issuer so mixed-scheme principals say where each claim came from.
        var issuer = serviceAccount.Issuer ?? DefaultIssuer;
        Add(KubernetesClaimTypes.Username, serviceAccount.Username, issuer);
        Add(KubernetesClaimTypes.Namespace, serviceAccount.Namespace, issuer);
        Add(KubernetesClaimTypes.ServiceAccountName, serviceAccount.ServiceAccountName, issuer);
        Add(KubernetesClaimTypes.ServiceAccountUid, serviceAccount.ServiceAccountUid, issuer);
        Add(KubernetesClaimTypes.PodName, serviceAccount.PodName, issuer);
        Add(KubernetesClaimTypes.PodUid, serviceAccount.PodUid, issuer);
        Add(KubernetesClaimTypes.NodeName, serviceAccount.NodeName, issuer);
        Add(KubernetesClaimTypes.NodeUid, serviceAccount.NodeUid, issuer);
        Add(KubernetesClaimTypes.SecretName, serviceAccount.SecretName, issuer);
        Add(KubernetesClaimTypes.SecretUid, serviceAccount.SecretUid, issuer);
        foreach (var group in serviceAccount.Groups)
        {
            Add(KubernetesClaimTypes.Group, group, issuer);
        }

        foreach (var audience in serviceAccount.Audiences)
        {
            Add(KubernetesClaimTypes.Audience, audience, issuer);
        }

        Add(KubernetesClaimTypes.TokenId, serviceAccount.TokenId, issuer);
        Add(KubernetesClaimTypes.Issuer, serviceAccount.Issuer, issuer);
    }

    private ServiceAccountClaimsIdentity(ServiceAccountClaimsIdentity other)
        : base(other) => ServiceAccount = other.ServiceAccount;

    /// <summary>The verified identity the claims were written from.</summary>
    public ServiceAccountIdentity ServiceAccount { get; }

    // ClaimsPrincipal.Clone and claims transformation clone identities; keep the marker type through it.
    public override ClaimsIdentity Clone() => new ServiceAccountClaimsIdentity(this);

    private void Add(string type, string? value, string issuer)
    {
        if (!string.IsNullOrEmpty(value))
        {
            // Created with this identity as its subject: AddClaim then keeps the claim instead of cloning it (a
            // claim without a subject is copied), which halves the claims' allocations on every authenticated request.
            AddClaim(new Claim(type, value, ClaimValueTypes.String, issuer, issuer, this));
        }
    }
}
