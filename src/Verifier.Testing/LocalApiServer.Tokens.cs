using System.Security.Cryptography;
using System.Text;
using Verifier.Testing.Server;
using Verifier.Testing.Tokens;

namespace Verifier.Testing;

/// <summary>Issuing and reviewing tokens in process, through the same code as the HTTP endpoints.</summary>
public sealed partial class LocalApiServer
{
    /// <summary>
    /// TokenRequest for <paramref name="serviceAccount"/>: the JWT as <c>status.token</c> would carry it.
    /// </summary>
    /// <param name="namespace">The service account's namespace.</param>
    /// <param name="serviceAccount">The service account's name.</param>
    /// <param name="audiences">Default (null or empty): the API audiences.</param>
    /// <param name="expirationSeconds">Default 3600; 3607 with a Pod binding gives a 1-year token with <c>warnafter</c>.</param>
    /// <param name="boundObject">Pod, Secret or Node in the same namespace (Node: cluster-scoped).</param>
    /// <exception cref="ApiStatusException">With the API's status and message (404 unknown SA/object, 422 under 10 min, 400 wrong kind or SA, 409 uid mismatch).</exception>
    public string IssueToken(string @namespace, string serviceAccount, IEnumerable<string>? audiences = null, long? expirationSeconds = null, BoundObjectRef? boundObject = null) =>
        IssueTokenCore(@namespace, serviceAccount, audiences, expirationSeconds, boundObject, null);

    /// <summary>
    /// As <see cref="IssueToken"/>, signed with <paramref name="key"/> instead of the signing key: e.g. a key excluded
    /// from discovery (<see cref="AddExcludedKey"/>), as a signer's migration keys sign tokens kube still accepts.
    /// </summary>
    /// <exception cref="ApiStatusException">As for <see cref="IssueToken"/>.</exception>
    public string IssueTokenSignedBy(SigningKey key, string @namespace, string serviceAccount, IEnumerable<string>? audiences = null, BoundObjectRef? boundObject = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IssueTokenCore(@namespace, serviceAccount, audiences, null, boundObject, key);
    }

    private string IssueTokenCore(string @namespace, string serviceAccount, IEnumerable<string>? audiences, long? expirationSeconds, BoundObjectRef? boundObject, SigningKey? signWith)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        var request = new TokenRequestDto
        {
            Spec = new TokenRequestSpecDto
            {
                Audiences = audiences?.ToList(),
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = boundObject is null ? null : new BoundObjectReferenceDto { Kind = boundObject.Kind, ApiVersion = boundObject.ApiVersion, Name = boundObject.Name, Uid = boundObject.Uid },
            },
        };
        var result = _state.Issuer.Issue(@namespace, serviceAccount, request, signWith);
        return result.Response?.Status?.Token ?? throw Throw(result.Error!);
    }

    /// <summary>
    /// A Secret-based legacy token (issuer <c>kubernetes/serviceaccount</c>, no expiry or audience), signed with
    /// the current signing key and stored in a <c>kubernetes.io/service-account-token</c> secret's <c>data.token</c>,
    /// as the token controller made them before 1.24.
    /// </summary>
    /// <param name="namespace">The service account's namespace.</param>
    /// <param name="serviceAccount">The service account's name.</param>
    /// <param name="secretName">Default <c>{serviceAccount}-token-xxxxx</c>.</param>
    /// <exception cref="ApiStatusException">404 when the service account does not exist.</exception>
    public string CreateLegacyServiceAccountToken(string @namespace, string serviceAccount, string? secretName = null)
    {
        var sa = _state.Store.Get<ServiceAccountObject>("serviceaccounts", @namespace, serviceAccount) ?? throw Throw(ApiError.NotFound("serviceaccounts", serviceAccount));
        secretName ??= serviceAccount + "-token-" + RandomSuffix();

        // What the token controller does for a service-account-token Secret.
        var (secret, error) = Objects.CreateSecret(
            _state,
            @namespace,
            secretName,
            SecretObject.ServiceAccountTokenType,
            null,
            null,
            new Dictionary<string, string> { [SecretObject.ServiceAccountNameAnnotation] = sa.Name });
        return secret is null ? throw Throw(error!) : Encoding.UTF8.GetString(secret.Data["token"]);
    }

    /// <summary>TokenReview in process (same code as the endpoint, including the optional success cache).</summary>
    /// <param name="token">spec.token.</param>
    /// <param name="audiences">spec.audiences; default the API audiences.</param>
    /// <exception cref="ApiStatusException">400 for an empty token.</exception>
    public TokenReviewStatus ReviewToken(string token, IEnumerable<string>? audiences = null)
    {
        var (review, error) = ApiRequestHandler.Review(_state.Authenticator, new TokenReviewDto { Spec = new TokenReviewSpecDto { Token = token, Audiences = audiences?.ToList() } });
        if (error is not null)
        {
            throw Throw(error);
        }

        var status = review!.Status!;
        var user = status.User;
        return new TokenReviewStatus(
            status.Authenticated == true,
            user.Username,
            user.Uid,
            user.Groups ?? [],
            (user.Extra ?? []).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            status.Audiences ?? [],
            status.Error);
    }

    private static string RandomSuffix()
    {
        // The token controller's 5-character suffix alphabet (no vowels, no ambiguous digits).
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }
}
