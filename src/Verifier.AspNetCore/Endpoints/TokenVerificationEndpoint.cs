using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Verifier.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Endpoints;

/// <summary>
/// The HTTP verify endpoint for callers not written in .NET. Two dialects on one route:
/// <list type="bullet">
/// <item>plain: token from <c>Authorization: Bearer</c> or <c>{"token":"…"}</c>; 200 with the identity, 401/503 with <c>{"reason","message"}</c>;</item>
/// <item>TokenReview: a POSTed <c>authentication.k8s.io</c> TokenReview answered as kube-apiserver does (201, <c>status</c>),
/// so TokenReview clients and webhook-authenticator configs can point at it unchanged.</item>
/// </list>
/// </summary>
internal sealed partial class TokenVerificationEndpoint
{
    /// <summary>Request bodies are capped well above the verifier's 16 KiB token cap plus TokenReview framing.</summary>
    internal const int MaxRequestBytes = 64 * 1024;

    internal const string TokenReviewKind = "TokenReview";

    private const string JsonContentType = "application/json";

    // The versions kube-apiserver serves TokenReview in (webhook authenticators still default to v1beta1).
    private static readonly string[] TokenReviewApiVersions = ["authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"];

    private readonly IServiceAccountTokenVerifier _verifier;
    private readonly IOptionsMonitor<KubernetesTokenVerifierOptions> _options;
    private readonly ILogger _logger;

    public TokenVerificationEndpoint(IServiceAccountTokenVerifier verifier, IOptionsMonitor<KubernetesTokenVerifierOptions> options, ILogger<TokenVerificationEndpoint> logger)
    {
        _verifier = verifier;
        _options = options;
        _logger = logger;
    }

    internal async Task InvokeAsync(HttpContext context, bool forceTokenReview)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";

        VerifyRequest? body = null;
        if (HttpMethods.IsPost(context.Request.Method) && HasBody(context.Request))
        {
            var (outcome, parsed) = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            switch (outcome)
            {
                case BodyOutcome.TooLarge:
                    await WriteBadRequestAsync(context, forceTokenReview, StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
                        $"request body larger than {MaxRequestBytes} bytes").ConfigureAwait(false);
                    return;
                case BodyOutcome.NotJson:
                    // The parser's message can quote the body (which holds the token): say only that it is not JSON.
                    await WriteBadRequestAsync(context, forceTokenReview, StatusCodes.Status400BadRequest, "BadRequest",
                        "request body is not a valid JSON object").ConfigureAwait(false);
                    return;
                default:
                    body = parsed;
                    break;
            }
        }

        if (forceTokenReview || string.Equals(body?.Kind, TokenReviewKind, StringComparison.Ordinal))
        {
            await ReviewAsync(context, body).ConfigureAwait(false);
            return;
        }

        await VerifyAsync(context, body).ConfigureAwait(false);
    }

    private async Task VerifyAsync(HttpContext context, VerifyRequest? body)
    {
        var token = KubernetesServiceAccountHandler.ReadBearerToken(context.Request.Headers.Authorization) ?? body?.Token;
        if (string.IsNullOrEmpty(token))
        {
            LogRequest(_logger, "plain", "missing_token");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.Append(HeaderNames.WWWAuthenticate, BearerChallenge.Scheme);
            await WriteJsonAsync(context, new VerificationErrorResponse
            {
                Reason = "missing_token",
                Message = "send the token as 'Authorization: Bearer <token>' or as {\"token\":\"<token>\"}",
            }).ConfigureAwait(false);
            return;
        }

        var result = await _verifier.VerifyAsync(token, context.RequestAborted).ConfigureAwait(false);
        if (result.Succeeded)
        {
            LogRequest(_logger, "plain", "success");
            var user = TokenReviewUser.From(result.Identity);
            context.Response.StatusCode = StatusCodes.Status200OK;
            await WriteJsonAsync(context, new VerifiedIdentityResponse
            {
                Username = user.Username,
                Uid = user.Uid,
                Groups = user.Groups,
                Extra = user.Extra,
                Audiences = result.Identity.Audiences,
            }).ConfigureAwait(false);
            return;
        }

        var reason = BearerChallenge.ReasonClass(result.Reason);
        LogRequest(_logger, "plain", reason);
        if (result.IsTransient)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.Append(HeaderNames.WWWAuthenticate, BearerChallenge.Format(BearerChallenge.InvalidToken, reason));
        }

        await WriteJsonAsync(context, new VerificationErrorResponse { Reason = reason, Message = result.Message }).ConfigureAwait(false);
    }

    private async Task ReviewAsync(HttpContext context, VerifyRequest? body)
    {
        var apiVersion = body?.ApiVersion;
        if (body is null || apiVersion is null || Array.IndexOf(TokenReviewApiVersions, apiVersion) < 0
            || !string.Equals(body.Kind, TokenReviewKind, StringComparison.Ordinal))
        {
            LogRequest(_logger, "tokenreview", "bad_request");
            await WriteStatusAsync(context, StatusCodes.Status400BadRequest, "BadRequest",
                "expected a TokenReview with apiVersion authentication.k8s.io/v1 (or v1beta1)").ConfigureAwait(false);
            return;
        }

        var spec = body.Spec ?? new TokenReviewSpec();
        if (string.IsNullOrEmpty(spec.Token))
        {
            // kube-apiserver: pkg/registry/authentication/tokenreview/storage.go
            LogRequest(_logger, "tokenreview", "missing_token");
            await WriteStatusAsync(context, StatusCodes.Status400BadRequest, "BadRequest", "token is required for TokenReview in authentication").ConfigureAwait(false);
            return;
        }

        var result = await _verifier.VerifyAsync(spec.Token, context.RequestAborted).ConfigureAwait(false);
        if (result.IsTransient)
        {
            // Deliberate deviation: kube-apiserver would answer 201 with status.error, but its own failures never
            // look like this. A 503 Status is what TokenReview clients already see (and retry) when the API server
            // is unavailable, instead of caching "not authenticated" for a token that may be fine.
            var transientReason = BearerChallenge.ReasonClass(result.Reason);
            LogRequest(_logger, "tokenreview", transientReason);
            await WriteStatusAsync(context, StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                result.Message ?? transientReason).ConfigureAwait(false);
            return;
        }

        // kube-apiserver reviews for its API audiences when spec.audiences is empty; the verifier's are the analogue.
        var requested = spec.Audiences is { Count: > 0 } ? spec.Audiences : _options.CurrentValue.Audiences;
        var status = TokenReviewStatusFactory.Create(result, spec.Token, requested);
        var outcome = status.Authenticated == true ? "success" : BearerChallenge.ReasonClass(result.Reason);
        LogRequest(_logger, "tokenreview", outcome);

        // kube-apiserver answers 201 Created whether or not the token is valid.
        context.Response.StatusCode = StatusCodes.Status201Created;
        await WriteJsonAsync(context, new TokenReviewResponse { ApiVersion = apiVersion, Spec = spec, Status = status }).ConfigureAwait(false);
    }

    private async Task WriteBadRequestAsync(HttpContext context, bool tokenReview, int statusCode, string kubeReason, string message)
    {
        LogRequest(_logger, tokenReview ? "tokenreview" : "plain", "bad_request");
        if (tokenReview)
        {
            await WriteStatusAsync(context, statusCode, kubeReason, message).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = statusCode;
        await WriteJsonAsync(context, new VerificationErrorResponse { Reason = "bad_request", Message = message }).ConfigureAwait(false);
    }

    private static Task WriteStatusAsync(HttpContext context, int statusCode, string reason, string message)
    {
        context.Response.StatusCode = statusCode;
        return WriteJsonAsync(context, new KubernetesStatus { Code = statusCode, Reason = reason, Message = message });
    }

    private static Task WriteJsonAsync<T>(HttpContext context, T value)
        where T : class =>
        context.Response.WriteAsJsonAsync(value, (JsonTypeInfo<T>)VerifyEndpointJsonContext.Wire.GetTypeInfo(typeof(T))!, JsonContentType, context.RequestAborted);

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static async Task<(BodyOutcome Outcome, VerifyRequest? Body)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            return (BodyOutcome.TooLarge, null);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxRequestBytes + 1);
        var length = 0;
        try
        {
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxRequestBytes + 1 - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > MaxRequestBytes)
                {
                    return (BodyOutcome.TooLarge, null);
                }
            }

            try
            {
                var body = JsonSerializer.Deserialize(buffer.AsSpan(0, length), VerifyEndpointJsonContext.Default.VerifyRequest);
                return body is null ? (BodyOutcome.NotJson, null) : (BodyOutcome.Read, body);
            }
            catch (JsonException)
            {
                return (BodyOutcome.NotJson, null);
            }
        }
        finally
        {
            // The buffer held a token: clear what was used before it goes back to the shared pool.
            buffer.AsSpan(0, Math.Min(length, buffer.Length)).Clear();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private enum BodyOutcome
    {
        Read,
        TooLarge,
        NotJson,
    }
}
