namespace Verifier.Testing;

/// <summary>The cluster roles <see cref="LocalApiServer"/> knows, for <see cref="LocalApiServer.GrantClusterRole(string, string, string)"/>.</summary>
public static class LocalApiServerRoles
{
    /// <summary>Everything (as <c>system:masters</c>).</summary>
    public const string ClusterAdmin = "cluster-admin";

    /// <summary><c>create tokenreviews</c> and <c>create subjectaccessreviews</c>: what a verifier using TokenReview needs.</summary>
    public const string AuthDelegator = "system:auth-delegator";

    /// <summary><c>create serviceaccounts/token</c>: what a TokenRequest client needs. Not a bootstrap role; clusters define their own.</summary>
    public const string TokenCreator = "serviceaccount-token-creator";

    /// <summary><c>get</c> on the discovery document and JWKS paths; bound to <c>system:serviceaccounts</c> by default.</summary>
    public const string IssuerDiscovery = "system:service-account-issuer-discovery";

    /// <summary><c>impersonate</c> users, groups and service accounts (kubectl <c>--as</c>, <c>--as-group</c>). Not a bootstrap role.</summary>
    public const string Impersonator = "impersonator";

    /// <summary><c>get</c>, <c>list</c>, <c>watch</c> on namespaces, service accounts and pods.</summary>
    public const string View = "view";

    /// <summary>
    /// <c>list</c> and <c>watch</c> on pods, service accounts, secrets and nodes: what watch mode needs on top of
    /// <see cref="AuthDelegator"/> (the ClusterRole of <c>deploy/overlays/watch</c>). Not a bootstrap role.
    /// </summary>
    public const string BoundObjectWatcher = "bound-object-watcher";
}
