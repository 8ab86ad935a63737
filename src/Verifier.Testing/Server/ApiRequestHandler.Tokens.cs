using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>TokenRequest and TokenReview over HTTP.</summary>
internal sealed partial class ApiRequestHandler
{
    private async Task HandleTokenRequestAsync(HttpContext context, string @namespace, string name)
    {
        TokenRequestDto? body;
        ApiError? error = null;
        if (IsProtobuf(context))
        {
            // kubectl create token speaks protobuf.
            var bytes = await ReadAllAsync(context).ConfigureAwait(false);
            if (!KubernetesProtobuf.TryDecodeTokenRequest(bytes, out body))
            {
                error = InvalidProtobuf("TokenRequest");
            }
        }
        else
        {
            (body, error) = await ReadBodyAsync(context, ApiJsonContext.Api.TokenRequestDto, "TokenRequest").ConfigureAwait(false);
        }

        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }

        var result = state.Issuer.Issue(@namespace, name, body);
        if (result.Error is not null)
        {
            await WriteErrorAsync(context, result.Error).ConfigureAwait(false);
            return;
        }

        foreach (var warning in result.Warnings)
        {
            // k8s.io/apiserver/pkg/warning: "299 - \"text\"".
            context.Response.Headers.Append("Warning", "299 - " + GoJson.Quote(warning));
        }

        await WriteObjectAsync(context, 201, result.Response!, ApiJsonContext.Api.TokenRequestDto).ConfigureAwait(false);
    }

    private async Task HandleTokenReviewAsync(HttpContext context)
    {
        var (body, error) = await ReadBodyAsync(context, ApiJsonContext.Api.TokenReviewDto, "TokenReview").ConfigureAwait(false);
        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }

        var (review, reviewError) = Review(state.Authenticator, body);
        await (reviewError is not null
            ? WriteErrorAsync(context, reviewError)
            : WriteObjectAsync(context, 201, review!, ApiJsonContext.Api.TokenReviewDto)).ConfigureAwait(false);
    }

    /// <summary>pkg/registry/authentication/tokenreview/storage.go Create.</summary>
    internal static (TokenReviewDto? Review, ApiError? Error) Review(TokenAuthenticator authenticator, TokenReviewDto? request)
    {
        var token = request?.Spec?.Token;
        if (string.IsNullOrEmpty(token))
        {
            return (null, ApiError.BadRequest("token is required for TokenReview in authentication"));
        }

        var outcome = authenticator.Authenticate(token, request!.Spec!.Audiences);
        var status = new TokenReviewStatusDto { Error = outcome.Error };
        if (outcome.Authenticated && outcome.User is { } user)
        {
            status.Authenticated = true;
            status.User = new UserInfoDto
            {
                Username = user.Name,
                Uid = user.Uid,
                Groups = [.. user.Groups],
                Extra = user.Extra.Count == 0 ? null : new SortedDictionary<string, List<string>>(user.Extra.ToDictionary(p => p.Key, p => new List<string>(p.Value)), StringComparer.Ordinal),
            };
            status.Audiences = outcome.Audiences is null ? null : [.. outcome.Audiences];
        }

        return (new TokenReviewDto
        {
            Kind = "TokenReview",
            ApiVersion = "authentication.k8s.io/v1",
            Metadata = new ObjectMeta(),
            Spec = new TokenReviewSpecDto { Token = token, Audiences = request.Spec.Audiences is { Count: > 0 } a ? a : null },
            Status = status,
        }, null);
    }
}
