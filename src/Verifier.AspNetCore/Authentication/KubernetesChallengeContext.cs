using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Context of <see cref="KubernetesServiceAccountEvents.OnChallenge"/>. The handler then writes
/// <see cref="StatusCode"/> and, for 401, <c>WWW-Authenticate: Bearer error="…", error_description="…"</c>
/// unless <see cref="HandleResponse"/> was called.
/// </summary>
public sealed class KubernetesChallengeContext(HttpContext context, AuthenticationScheme scheme, KubernetesServiceAccountOptions options, AuthenticationProperties properties)
    : PropertiesContext<KubernetesServiceAccountOptions>(context, scheme, options, properties)
{
    /// <summary>The failure from authentication, when it failed (not when no token was sent).</summary>
    public Exception? AuthenticateFailure { get; set; }

    /// <summary>The verifier's failed verdict, when the failure came from the verifier.</summary>
    public TokenVerificationResult? VerificationResult { get; set; }

    /// <summary>401, or 503 for transient verifier failures (keys or API server unavailable, verifier misconfigured).</summary>
    public int StatusCode { get; set; } = StatusCodes.Status401Unauthorized;

    /// <summary>The RFC 6750 <c>error</c> (<c>invalid_token</c> when a token was rejected); null when no token was sent.</summary>
    public string? Error { get; set; }

    /// <summary>The <c>error_description</c>: the reason class (e.g. <c>expired</c>), never anything from the token.</summary>
    public string? ErrorDescription { get; set; }

    /// <summary>True once <see cref="HandleResponse"/> was called: the handler writes nothing.</summary>
    public bool Handled { get; private set; }

    /// <summary>Skip the handler's response; the event wrote its own.</summary>
    public void HandleResponse() => Handled = true;
}
