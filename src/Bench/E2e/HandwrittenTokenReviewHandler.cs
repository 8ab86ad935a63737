using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bench.E2e;

/// <summary>
/// (e) What many teams write when they want liveness: every request's bearer token is POSTed to
/// <c>/apis/authentication.k8s.io/v1/tokenreviews</c> with the pod's own credentials, no cache, no single flight.
/// A fair version of it: one pooled <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/>, source-generated
/// JSON, the audience sent in <c>spec.audiences</c>.
/// </summary>
internal sealed class HandwrittenTokenReviewHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IHttpClientFactory clients)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HandwrittenTokenReview";
    public const string ClientName = "kube-apiserver";
    private const string Prefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var review = new HandwrittenTokenReview("authentication.k8s.io/v1", "TokenReview", new HandwrittenTokenReviewSpec(header[Prefix.Length..].Trim(), [E2eFiles.Audience]));
        using var response = await clients.CreateClient(ClientName)
            .PostAsJsonAsync("apis/authentication.k8s.io/v1/tokenreviews", review, HandwrittenTokenReviewJsonContext.Default.HandwrittenTokenReview, Context.RequestAborted)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return AuthenticateResult.Fail($"TokenReview answered {(int)response.StatusCode}");
        }

        var answer = await response.Content.ReadFromJsonAsync(HandwrittenTokenReviewJsonContext.Default.HandwrittenTokenReview, Context.RequestAborted).ConfigureAwait(false);
        if (answer?.Status is not { Authenticated: true, User.Username: { } username } status)
        {
            return AuthenticateResult.Fail(answer?.Status?.Error ?? "token not authenticated");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, username) };
        foreach (var group in status.User.Groups ?? [])
        {
            claims.Add(new Claim(ClaimTypes.Role, group));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
