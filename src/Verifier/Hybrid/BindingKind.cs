namespace Verifier.Hybrid;

/// <summary>What a token's liveness depends on, beyond its signature and claims.</summary>
internal enum BindingKind : byte
{
    /// <summary>An unbound token (<c>kubectl create token</c> without <c>--bound-object-kind</c>): the service account alone.</summary>
    ServiceAccount,

    /// <summary>A pod-bound token (projected volumes): service account + pod uid. Its node claims are not checked by the API server.</summary>
    Pod,

    /// <summary>A secret-bound token: service account + secret uid.</summary>
    Secret,

    /// <summary>A node-bound token: service account + node uid.</summary>
    Node,

    /// <summary>
    /// A legacy Secret-based token: the API server also compares the Secret's <c>data.token</c> with the presented
    /// token, and the claims carry no secret uid, so the binding includes the token's keyed hash (one Secret holds one
    /// token, so this is still "per secret" in practice).
    /// </summary>
    LegacySecret,

    /// <summary>Anything unexpected (no service-account uid, half a pod reference): confirmed per token, never shared.</summary>
    Token,
}
