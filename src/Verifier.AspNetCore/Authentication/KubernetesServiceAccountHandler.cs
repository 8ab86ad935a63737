using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> service-account tokens with the application's
/// <see cref="IServiceAccountTokenVerifier"/>. Rejected tokens challenge with 401 and an RFC 6750 error naming the
/// reason class; transient verifier failures challenge with 503 so clients retry instead of dropping a good token.
/// </summary>
internal sealed partial class KubernetesServiceAccountHandler(
    IOptionsMonitor<KubernetesServiceAccountOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IServiceAccountTokenVerifier verifier)
    : AuthenticationHandler<KubernetesServiceAccountOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    // Handler instances live for one request (AuthenticationHandlerProvider caches them per scheme), so the
    // challenge can read the verdict of the authentication that ran before it.
    private TokenVerificationResult? _failedVerification;

    private new KubernetesServiceAccountEvents Events
    {
        get => (KubernetesServiceAccountEvents)base.Events!;
        set => base.Events = value;
    }

    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new KubernetesServiceAccountEvents());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var messageReceived = new KubernetesMessageReceivedContext(Context, Scheme, Options);
        await Events.MessageReceived(messageReceived).ConfigureAwait(false);
        if (messageReceived.Result is not null)
        {
            return messageReceived.Result;
        }

        var token = messageReceived.Token;
        if (string.IsNullOrEmpty(token))
        {
            token = ReadBearerToken(Request.Headers.Authorization);
            if (token is null)
            {
                // Not ours to judge: another scheme (or anonymous access) may handle the request.
                return AuthenticateResult.NoResult();
            }
        }

        var result = await verifier.VerifyAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (result.Succeeded && !CarriesSchemeAudience(result.Identity, Options.Audiences))
        {
            result = TokenVerificationResult.Failure(
                VerificationFailureReason.WrongAudience,
                $"the token's audiences [{string.Join(", ", result.Identity.Audiences)}] include none of scheme {Scheme.Name}'s [{string.Join(", ", Options.Audiences)}]",
                result.Mode);
        }

        if (!result.Succeeded)
        {
            _failedVerification = result;
            var reasonClass = BearerChallenge.ReasonClass(result.Reason);
            LogAuthenticationFailed(Logger, Scheme.Name, reasonClass, result.Message);
            var failed = new KubernetesAuthenticationFailedContext(Context, Scheme, Options, result);
            await Events.AuthenticationFailed(failed).ConfigureAwait(false);
            if (failed.Result is not null)
            {
                if (failed.Result.Succeeded || failed.Result.None)
                {
                    _failedVerification = null;
                }

                return failed.Result;
            }

            // The message never contains the token (TokenVerificationResult contract).
            return AuthenticateResult.Fail(result.Message ?? reasonClass);
        }

        var identity = result.Identity;
        var validated = new KubernetesTokenValidatedContext(Context, Scheme, Options, result)
        {
            Principal = new ClaimsPrincipal(new ServiceAccountClaimsIdentity(identity, Scheme.Name)),
        };
        await Events.TokenValidated(validated).ConfigureAwait(false);
        if (validated.Result is not null)
        {
            return validated.Result;
        }

        LogAuthenticationSucceeded(Logger, Scheme.Name, identity.Username, identity.PodName);
        validated.Success();
        return validated.Result!;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var authResult = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var challenge = new KubernetesChallengeContext(Context, Scheme, Options, properties)
        {
            AuthenticateFailure = authResult.Failure,
            VerificationResult = _failedVerification,
        };

        if (_failedVerification is { } failed)
        {
            challenge.Error = BearerChallenge.InvalidToken;
            challenge.ErrorDescription = BearerChallenge.ReasonClass(failed.Reason);
            if (failed.IsTransient)
            {
                challenge.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }
        else if (authResult.Failure is not null)
        {
            // Rejected by an event (OnTokenValidated.Fail): a token was sent and refused.
            challenge.Error = BearerChallenge.InvalidToken;
        }

        await Events.Challenge(challenge).ConfigureAwait(false);
        if (challenge.Handled)
        {
            return;
        }

        Response.StatusCode = challenge.StatusCode;
        if (challenge.StatusCode == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.Append(HeaderNames.WWWAuthenticate, BearerChallenge.Format(challenge.Error, challenge.ErrorDescription));
        }
    }

    /// <summary>
    /// True when the scheme has no audience filter, or the verified identity carries one of its audiences. The
    /// verifier already cut the identity's audiences down to <c>Verifier:Audiences</c>; the scheme only narrows them.
    /// </summary>
    internal static bool CarriesSchemeAudience(ServiceAccountIdentity identity, IList<string> schemeAudiences)
    {
        if (schemeAudiences.Count == 0)
        {
            return true;
        }

        foreach (var audience in identity.Audiences)
        {
            if (schemeAudiences.Contains(audience))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null when there is none (scheme matched case-insensitively, RFC 7235).</summary>
    internal static string? ReadBearerToken(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization.AsSpan(BearerPrefix.Length).Trim();
        return token.IsEmpty ? null : token.ToString();
    }
}
