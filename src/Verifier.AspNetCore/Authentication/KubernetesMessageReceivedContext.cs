using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Verifier.AspNetCore.Authentication;

/// <summary>Context of <see cref="KubernetesServiceAccountEvents.OnMessageReceived"/>.</summary>
public sealed class KubernetesMessageReceivedContext(HttpContext context, AuthenticationScheme scheme, KubernetesServiceAccountOptions options)
    : ResultContext<KubernetesServiceAccountOptions>(context, scheme, options)
{
    /// <summary>The raw token to verify instead of the <c>Authorization: Bearer</c> header. Null: read the header.</summary>
    public string? Token { get; set; }
}
