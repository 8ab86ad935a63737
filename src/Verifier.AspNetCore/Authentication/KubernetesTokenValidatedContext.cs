using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Context of <see cref="KubernetesServiceAccountEvents.OnTokenValidated"/>. <see cref="ResultContext{TOptions}.Principal"/>
/// holds the principal built from <see cref="Identity"/>; call <c>Fail</c> to reject it (401).
/// </summary>
public sealed class KubernetesTokenValidatedContext(HttpContext context, AuthenticationScheme scheme, KubernetesServiceAccountOptions options, TokenVerificationResult result)
    : ResultContext<KubernetesServiceAccountOptions>(context, scheme, options)
{
    /// <summary>The verifier's verdict (successful).</summary>
    public TokenVerificationResult VerificationResult { get; } = result;

    /// <summary>The verified service account.</summary>
    public ServiceAccountIdentity Identity { get; } = result.Identity ?? throw new ArgumentException("The result must be a success.", nameof(result));
}
