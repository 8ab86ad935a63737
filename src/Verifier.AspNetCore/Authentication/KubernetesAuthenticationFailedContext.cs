using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Context of <see cref="KubernetesServiceAccountEvents.OnAuthenticationFailed"/>. Leave <see cref="ResultContext{TOptions}.Result"/>
/// unset to fail with the verifier's reason, or call <c>NoResult</c>/<c>Success</c> to override it.
/// </summary>
public sealed class KubernetesAuthenticationFailedContext(HttpContext context, AuthenticationScheme scheme, KubernetesServiceAccountOptions options, TokenVerificationResult result)
    : ResultContext<KubernetesServiceAccountOptions>(context, scheme, options)
{
    /// <summary>The verifier's verdict (failed).</summary>
    public TokenVerificationResult VerificationResult { get; } = result;

    /// <summary>Why the token was rejected.</summary>
    public VerificationFailureReason Reason => VerificationResult.Reason;
}
