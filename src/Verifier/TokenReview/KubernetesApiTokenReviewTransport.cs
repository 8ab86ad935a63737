using Verifier.Cluster;
using Verifier.Cluster.Resources;

namespace Verifier.TokenReview;

/// <summary>
/// <see cref="ITokenReviewTransport"/> over the cluster's typed <see cref="KubernetesApiClient"/> (the named
/// <see cref="ClusterHttpClient"/>: cluster-CA TLS, rotating bearer token, size cap). Maps its typed errors:
/// 401/403 on our own credentials and other non-transient 4xx → <see cref="TokenReviewOutcomeKind.Misconfigured"/>;
/// 429, 5xx, timeouts and connection failures → <see cref="TokenReviewOutcomeKind.Unavailable"/> with Retry-After.
/// </summary>
internal sealed class KubernetesApiTokenReviewTransport(KubernetesApiClient client) : ITokenReviewTransport
{
    public async ValueTask<TokenReviewOutcome> ReviewAsync(string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken)
    {
        var result = await client.CreateTokenReviewAsync(token, audiences, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var error = result.Error;
            return error.IsTransient
                ? TokenReviewOutcome.Unavailable(error.Message, error.StatusCode ?? 0, error.RetryAfter)
                : TokenReviewOutcome.Misconfigured(error.Message, error.StatusCode ?? 0);
        }

        return ToOutcome(result.Value.Status);
    }

    internal static TokenReviewOutcome ToOutcome(V1TokenReviewStatus? status)
    {
        // kube-apiserver omits "authenticated" when false (omitempty): absent is a refusal.
        if (status is null || !status.Authenticated)
        {
            return TokenReviewOutcome.NotAuthenticated(status?.Error);
        }

        if (status.User?.Username is not { Length: > 0 } username)
        {
            return TokenReviewOutcome.NotAuthenticated("TokenReview said authenticated but named no user");
        }

        var extra = TokenReviewOutcome.EmptyExtra;
        if (status.User.Extra is { Count: > 0 } source)
        {
            var copy = new Dictionary<string, IReadOnlyList<string>>(source.Count, StringComparer.Ordinal);
            foreach (var (key, values) in source)
            {
                copy[key] = values is null ? [] : [.. values];
            }

            extra = copy;
        }

        return TokenReviewOutcome.Authenticated(
            new TokenReviewUser(username, status.User.Uid, status.User.Groups is { } groups ? [.. groups] : [], extra),
            status.Audiences is { } audiences ? [.. audiences] : []);
    }
}
