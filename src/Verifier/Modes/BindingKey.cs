using Verifier.TokenReview;
using Verifier.Validation;

namespace Verifier.Modes;

/// <summary>
/// The identity of a token's binding: every token with an equal key lives or dies together at the API server,
/// because kube-apiserver's liveness checks (docs/kube-apiserver.md §4, steps 6-9) read only the service account's name and uid
/// and the bound object's kind, name and uid. A uid names one object for its whole life, so name and namespace add
/// nothing; a recreated object has a new uid and so a new key.
/// </summary>
/// <param name="Kind">What the token is bound to.</param>
/// <param name="ServiceAccountUid">The service account's uid; empty for <see cref="BindingKind.Token"/>.</param>
/// <param name="ObjectUid">The bound object's uid; null for the service account alone, legacy and per-token keys.</param>
/// <param name="TokenHash">The token's keyed hash for <see cref="BindingKind.LegacySecret"/> and <see cref="BindingKind.Token"/>; default otherwise.</param>
internal readonly record struct BindingKey(BindingKind Kind, string ServiceAccountUid, string? ObjectUid, TokenCacheKey TokenHash = default)
{
    public static BindingKey For(ServiceAccountIdentity identity, string token, TokenReviewKeyHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(hasher);
        var serviceAccountUid = identity.ServiceAccountUid;
        if (serviceAccountUid is null)
        {
            return PerToken(token, hasher);
        }

        if (identity.IsLegacy)
        {
            return new BindingKey(BindingKind.LegacySecret, serviceAccountUid, null, hasher.Compute(token));
        }

        // Pod-bound tokens also carry node claims; the pod is what the API server checks, so the pod wins.
        if (identity.PodName is not null || identity.PodUid is not null)
        {
            return identity.PodUid is { } podUid ? new BindingKey(BindingKind.Pod, serviceAccountUid, podUid) : PerToken(token, hasher);
        }

        if (identity.SecretName is not null || identity.SecretUid is not null)
        {
            return identity.SecretUid is { } secretUid ? new BindingKey(BindingKind.Secret, serviceAccountUid, secretUid) : PerToken(token, hasher);
        }

        if (identity.NodeName is not null || identity.NodeUid is not null)
        {
            return identity.NodeUid is { } nodeUid ? new BindingKey(BindingKind.Node, serviceAccountUid, nodeUid) : PerToken(token, hasher);
        }

        return new BindingKey(BindingKind.ServiceAccount, serviceAccountUid, null);
    }

    private static BindingKey PerToken(string token, TokenReviewKeyHasher hasher) =>
        new(BindingKind.Token, string.Empty, null, hasher.Compute(token));

    public override string ToString() => Kind is BindingKind.LegacySecret or BindingKind.Token
        ? $"{Kind} serviceaccount={ServiceAccountUid} token={TokenHash.ToShortString()}"
        : $"{Kind} serviceaccount={ServiceAccountUid} uid={ObjectUid}";
}
