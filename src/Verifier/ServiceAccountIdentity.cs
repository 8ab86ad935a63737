namespace Verifier;

/// <summary>
/// Who a verified token belongs to. <see cref="Username"/>, <see cref="Uid"/>, <see cref="Groups"/> and
/// <see cref="Extra"/> are exactly what TokenReview's <c>status.user</c> would give, so verdicts of local and
/// TokenReview verification compare field by field. Empty strings are never used: absent means null.
/// </summary>
public sealed class ServiceAccountIdentity
{
    public const string UsernamePrefix = "system:serviceaccount:";
    public const string AllServiceAccountsGroup = "system:serviceaccounts";
    public const string NamespaceGroupPrefix = "system:serviceaccounts:";
    public const string AuthenticatedGroup = "system:authenticated";
    public const string ExtraPodName = "authentication.kubernetes.io/pod-name";
    public const string ExtraPodUid = "authentication.kubernetes.io/pod-uid";
    public const string ExtraNodeName = "authentication.kubernetes.io/node-name";
    public const string ExtraNodeUid = "authentication.kubernetes.io/node-uid";
    public const string ExtraCredentialId = "authentication.kubernetes.io/credential-id";

    /// <exception cref="ArgumentException">When <paramref name="namespace"/> or <paramref name="serviceAccountName"/> is empty.</exception>
    public ServiceAccountIdentity(string @namespace, string serviceAccountName)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccountName);
        Namespace = @namespace;
        ServiceAccountName = serviceAccountName;
    }

    public string Namespace { get; }

    public string ServiceAccountName { get; }

    public string? ServiceAccountUid { get; init; }

    public string? PodName { get; init; }

    public string? PodUid { get; init; }

    public string? NodeName { get; init; }

    public string? NodeUid { get; init; }

    /// <summary>The Secret a token is bound to (secret-bound bound tokens) or came from (legacy tokens).</summary>
    public string? SecretName { get; init; }

    public string? SecretUid { get; init; }

    /// <summary>The <c>jti</c> claim, when present.</summary>
    public string? TokenId { get; init; }

    /// <summary>
    /// TokenReview's <c>status.audiences</c>: the configured audiences the token carries, in configured order, each once.
    /// A token without <c>aud</c> (legacy) counts as carrying the API audiences (<c>Validation:ApiAudiences</c>), as in
    /// kube-apiserver. TokenReview mode: <c>status.audiences</c> as returned.
    /// </summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>Null in TokenReview mode when the issuer was not read from the token.</summary>
    public string? Issuer { get; init; }

    /// <summary>The <c>kid</c> of the key that verified the signature (local verification only).</summary>
    public string? KeyId { get; init; }

    public DateTimeOffset? IssuedAt { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Set only on extended-expiry tokens (<c>iat + 3607 s</c>); past it the kubelet should have refreshed.</summary>
    public DateTimeOffset? WarnAfter { get; init; }

    /// <summary>A Secret-based legacy token (<c>iss</c> = <c>kubernetes/serviceaccount</c>).</summary>
    public bool IsLegacy { get; init; }

    /// <summary><c>system:serviceaccount:NS:NAME</c>.</summary>
    public string Username => field ??= UsernamePrefix + Namespace + ":" + ServiceAccountName;

    /// <summary>The service account's uid, as TokenReview reports it.</summary>
    public string? Uid => ServiceAccountUid;

    /// <summary><c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c>, <c>system:authenticated</c>.</summary>
    public IReadOnlyList<string> Groups => field ??= [AllServiceAccountsGroup, NamespaceGroupPrefix + Namespace, AuthenticatedGroup];

    /// <summary>TokenReview's <c>status.user.extra</c>: pod name/uid (both or none), node name (and uid), credential id.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra => field ??= BuildExtra();

    private Dictionary<string, IReadOnlyList<string>> BuildExtra()
    {
        // k8s.io/apiserver/pkg/authentication/serviceaccount/util.go: pod keys only when both are set,
        // node-uid only when node-name is set, credential-id when there is a jti.
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (PodName is not null && PodUid is not null)
        {
            extra[ExtraPodName] = [PodName];
            extra[ExtraPodUid] = [PodUid];
        }

        if (NodeName is not null)
        {
            extra[ExtraNodeName] = [NodeName];
            if (NodeUid is not null)
            {
                extra[ExtraNodeUid] = [NodeUid];
            }
        }

        if (TokenId is not null)
        {
            extra[ExtraCredentialId] = ["JTI=" + TokenId];
        }

        return extra;
    }

    public override string ToString() => PodName is null ? Username : $"{Username} (pod {PodName})";
}
