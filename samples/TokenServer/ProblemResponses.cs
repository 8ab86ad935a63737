using Microsoft.AspNetCore.Http;
using Verifier.AspNetCore.Authentication;

namespace TokenServer;

/// <summary>
/// RFC 9457 problem details for the token server's refusals: 401 names the RFC 6750 error and the reason class
/// (<c>invalid_token</c> / <c>expired</c>), 403 says the caller's service account is not allowed, 503 that the
/// verifier cannot judge the token right now. Only the reason class, never the token or the verifier's message.
/// </summary>
internal static class ProblemResponses
{
    private static readonly object ChallengeKey = new();

    /// <summary>The scheme's challenge event: remembers its error and reason class for <see cref="Describe"/>.</summary>
    public static Task RememberChallenge(KubernetesChallengeContext context)
    {
        context.HttpContext.Items[ChallengeKey] = context;
        return Task.CompletedTask;
    }

    /// <summary>Fills type/title/detail of the problem the status-code-pages middleware writes.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var challenge = http.Items.TryGetValue(ChallengeKey, out var value) ? value as KubernetesChallengeContext : null;
        switch (problem.Status)
        {
            case StatusCodes.Status401Unauthorized when challenge?.Error is { } error:
                problem.Type = "https://www.rfc-editor.org/rfc/rfc6750#section-3.1";
                problem.Title = error;
                problem.Detail = challenge.ErrorDescription ?? "the token was refused";
                break;
            case StatusCodes.Status401Unauthorized:
                problem.Type = "https://www.rfc-editor.org/rfc/rfc6750#section-3";
                problem.Title = "missing_token";
                problem.Detail = "send a service-account token: Authorization: Bearer <token>";
                break;
            case StatusCodes.Status403Forbidden:
                problem.Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4";
                problem.Title = "forbidden";
                problem.Detail = http.User.GetServiceAccount() is { } caller
                    ? $"service account {caller.Namespace}/{caller.ServiceAccountName} is not in {FactorsServer.SectionName}:AllowedServiceAccounts"
                    : "the caller is not allowed";
                break;
            case StatusCodes.Status503ServiceUnavailable when challenge is not null:
                problem.Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4";
                problem.Title = "unavailable";
                problem.Detail = (challenge.ErrorDescription ?? "the verifier cannot judge tokens right now") + "; retry later";
                break;
        }
    }
}
