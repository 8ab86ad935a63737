using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier.AspNetCore.Authentication;

namespace Verifier.Tests.AspNetCore;

/// <summary>
/// A second bearer scheme of a different kind (JwtBearer 10.x is not available here): accepts
/// <c>Bearer static:NAME</c>, ignores every other bearer token, and stamps look-alike Kubernetes claims on its
/// identity to prove the service-account policies do not trust them.
/// </summary>
internal sealed class StaticBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "StaticBearer";
    public const string Prefix = "Bearer static:";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var name = header[Prefix.Length..];
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, name),
                new Claim(KubernetesClaimTypes.Username, "system:serviceaccount:token-demo:token-client-test"),
                new Claim(KubernetesClaimTypes.Namespace, "token-demo"),
                new Claim(KubernetesClaimTypes.PodUid, "spoofed"),
            ],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.Append("WWW-Authenticate", "Bearer realm=\"static\"");
        return Task.CompletedTask;
    }
}
