namespace Verifier.AspNetCore.Endpoints;

/// <summary>TokenReview <c>status.user</c> (Go <c>UserInfo</c>: username, uid, groups, extra; empty fields omitted).</summary>
internal sealed class TokenReviewUser
{
    public string? Username { get; set; }

    public string? Uid { get; set; }

    public IReadOnlyList<string>? Groups { get; set; }

    /// <summary>Sorted by key: Go marshals maps in key order.</summary>
    public SortedDictionary<string, IReadOnlyList<string>>? Extra { get; set; }

    public static TokenReviewUser From(ServiceAccountIdentity identity)
    {
        SortedDictionary<string, IReadOnlyList<string>>? extra = null;
        if (identity.Extra.Count > 0)
        {
            extra = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (key, values) in identity.Extra)
            {
                extra[key] = values;
            }
        }

        return new TokenReviewUser
        {
            Username = identity.Username,
            Uid = identity.Uid,
            Groups = identity.Groups,
            Extra = extra,
        };
    }
}
