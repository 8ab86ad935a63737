namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// The claim types of a principal produced by the Kubernetes service-account scheme. They are written directly
/// from the verified identity, with no inbound-claim mapping: what is listed here is exactly what appears.
/// Registered JWT claims keep their JWT names (<c>aud</c>, <c>jti</c>, <c>iss</c>); Kubernetes facts use
/// <c>kubernetes.io/…</c> names. Absent facts (no pod, no uid) produce no claim, never an empty one.
/// </summary>
public static class KubernetesClaimTypes
{
    /// <summary><c>system:serviceaccount:NS:NAME</c>, the TokenReview username. The identity's name claim type.</summary>
    public const string Username = "kubernetes.io/username";

    /// <summary>The service account's namespace.</summary>
    public const string Namespace = "kubernetes.io/namespace";

    /// <summary>The service account's name (without namespace).</summary>
    public const string ServiceAccountName = "kubernetes.io/serviceaccount/name";

    /// <summary>The service account's uid (TokenReview <c>status.user.uid</c>).</summary>
    public const string ServiceAccountUid = "kubernetes.io/serviceaccount/uid";

    /// <summary>The pod the token is bound to.</summary>
    public const string PodName = "kubernetes.io/pod/name";

    /// <summary>The uid of the pod the token is bound to.</summary>
    public const string PodUid = "kubernetes.io/pod/uid";

    /// <summary>The node of the bound pod, or the node a node-bound token is bound to.</summary>
    public const string NodeName = "kubernetes.io/node/name";

    /// <summary>That node's uid.</summary>
    public const string NodeUid = "kubernetes.io/node/uid";

    /// <summary>The Secret a token is bound to (or, for legacy tokens, came from).</summary>
    public const string SecretName = "kubernetes.io/secret/name";

    /// <summary>That Secret's uid.</summary>
    public const string SecretUid = "kubernetes.io/secret/uid";

    /// <summary>
    /// One claim per TokenReview group (<c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c>,
    /// <c>system:authenticated</c>). The identity's role claim type, so <c>IsInRole</c> and <c>[Authorize(Roles = …)]</c> work.
    /// </summary>
    public const string Group = "kubernetes.io/group";

    /// <summary>One claim per accepted audience (the token's <c>aud</c> ∩ the configured audiences).</summary>
    public const string Audience = "aud";

    /// <summary>The token's <c>jti</c>, when present.</summary>
    public const string TokenId = "jti";

    /// <summary>The token's <c>iss</c>, when known.</summary>
    public const string Issuer = "iss";
}
