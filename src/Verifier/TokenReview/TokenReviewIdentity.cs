
namespace Verifier.TokenReview;

/// <summary>Builds the same <see cref="ServiceAccountIdentity"/> shape local verification gives, from <c>status.user</c> and <c>status.audiences</c>.</summary>
internal static class TokenReviewIdentity
{
    private const string JtiPrefix = "JTI=";

    /// <summary>
    /// Null (with <paramref name="error"/>) when the authenticated user is not a service account: TokenReview also
    /// authenticates users' tokens (OIDC, static tokens), which this verifier does not accept.
    /// </summary>
    public static ServiceAccountIdentity? TryCreate(TokenReviewUser user, IReadOnlyList<string> audiences, out string? error)
    {
        ArgumentNullException.ThrowIfNull(user);
        // system:serviceaccount:NS:NAME; neither a namespace nor a service-account name may contain ':'.
        var username = user.Username;
        var rest = username.StartsWith(ServiceAccountIdentity.UsernamePrefix, StringComparison.Ordinal)
            ? username.AsSpan(ServiceAccountIdentity.UsernamePrefix.Length)
            : [];
        var colon = rest.IndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1 || rest[(colon + 1)..].Contains(':'))
        {
            error = $"TokenReview authenticated \"{username}\", which is not a service account";
            return null;
        }

        error = null;
        var extra = user.Extra;
        return new ServiceAccountIdentity(rest[..colon].ToString(), rest[(colon + 1)..].ToString())
        {
            ServiceAccountUid = NullIfEmpty(user.Uid),
            PodName = First(extra, ServiceAccountIdentity.ExtraPodName),
            PodUid = First(extra, ServiceAccountIdentity.ExtraPodUid),
            NodeName = First(extra, ServiceAccountIdentity.ExtraNodeName),
            NodeUid = First(extra, ServiceAccountIdentity.ExtraNodeUid),
            TokenId = First(extra, ServiceAccountIdentity.ExtraCredentialId) is { } credentialId
                && credentialId.StartsWith(JtiPrefix, StringComparison.Ordinal) && credentialId.Length > JtiPrefix.Length
                    ? credentialId[JtiPrefix.Length..]
                    : null,
            Audiences = audiences,
        };
    }

    private static string? First(IReadOnlyDictionary<string, IReadOnlyList<string>> extra, string key) =>
        extra.TryGetValue(key, out var values) && values.Count > 0 ? NullIfEmpty(values[0]) : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
