using Verifier.Testing.Tokens;

namespace Verifier.Testing;

/// <summary>How <see cref="LocalApiServer"/> behaves; the defaults match a kind/kubeadm cluster's kube-apiserver.</summary>
public sealed class LocalApiServerOptions
{
    /// <summary>The issuer every cluster in kind/kubeadm uses.</summary>
    public const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>TCP port on 127.0.0.1. Default 0: an ephemeral port (read <see cref="LocalApiServer.BaseAddress"/>).</summary>
    public int Port { get; set; }

    /// <summary>
    /// A path the API is served under, as behind an authenticating proxy (Rancher's <c>/k8s/clusters/{id}</c>, a
    /// kubectl proxy subpath): e.g. <c>/k8s/clusters/local</c>. Requests outside it get 404. Default null: the root,
    /// as kube-apiserver serves it. The kubeconfig, <see cref="LocalApiServer.BaseAddress"/> and the default
    /// <c>jwks_uri</c> include it.
    /// </summary>
    public string? PathBase { get; set; }

    /// <summary>
    /// <c>--service-account-issuer</c> values: the first signs new tokens, all are accepted. Default
    /// <see cref="DefaultIssuer"/> (call <c>Clear()</c> first to replace it rather than add a second one). An issuer that is not an https URL without query/fragment disables the
    /// discovery and JWKS routes (404), as kube-apiserver does.
    /// </summary>
    public IList<string> Issuers { get; } = [DefaultIssuer];

    /// <summary><c>--api-audiences</c>. Default empty: all <see cref="Issuers"/>, as kube-apiserver defaults it.</summary>
    public IList<string> ApiAudiences { get; } = [];

    /// <summary>
    /// <c>--service-account-jwks-uri</c>: the <c>jwks_uri</c> the discovery document advertises. Default null:
    /// <c>https://127.0.0.1:{port}/openid/v1/jwks</c> (the external address, not the issuer).
    /// </summary>
    public Uri? JwksUri { get; set; }

    /// <summary>The clock for token times, TokenReview checks, deletion timestamps and the review cache. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// <c>--service-account-max-token-expiration</c>. Default null: no maximum. Longer requests are clamped with the
    /// warning header <c>requested expiration of N seconds shortened to M seconds</c>.
    /// </summary>
    public TimeSpan? MaxTokenExpiration { get; set; }

    /// <summary><c>--service-account-extend-token-expiration</c>. Default true (kube-apiserver's default).</summary>
    public bool ExtendTokenExpiration { get; set; } = true;

    /// <summary>
    /// Success TTL of the token authentication cache (kube-apiserver: 10 s, keyed by token and audiences).
    /// Default <see cref="TimeSpan.Zero"/>: off, so revocation is seen at once; set 10 s to reproduce the real lag.
    /// </summary>
    public TimeSpan TokenReviewCacheTtl { get; set; } = TimeSpan.Zero;

    /// <summary>The key that signs tokens and is published in the JWKS. Default null: a fresh RSA-2048 key (owned and disposed by the server).</summary>
    public SigningKey? SigningKey { get; set; }

    /// <summary>
    /// Sign tokens with <c>"kid":""</c> in the header, as Kubernetes 1.12-era clusters did (verifiers then try every
    /// key). Default false: the SHA-256 kid. Combine with <see cref="Issuers"/> = <c>kubernetes/serviceaccount</c> for a
    /// minikube/kops-era cluster, which issues bound tokens under the legacy issuer and publishes no JWKS (the issuer
    /// is not an https URL), so verifiers read keys from a file (<see cref="LocalApiServer.JwksJson"/> or
    /// <see cref="Tokens.SigningKey.ToPublicPem"/>).
    /// </summary>
    public bool EmptyKeyId { get; set; }

    /// <summary>The admin bearer token (group <c>system:masters</c>). Default null: a random one, see <see cref="LocalApiServer.AdminToken"/>.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// The Kubernetes release <c>/version</c> reports (as <c>v{major}.{minor}.{patch}-local</c>). kubectl warns when the
    /// server is more than one minor version away from it. Default 1.33.0: within the skew of the Debian
    /// kubectl (1.32) and next to the release whose behaviour the emulator follows (1.34).
    /// </summary>
    public Version KubernetesVersion { get; set; } = new(1, 33, 0);

    /// <summary>
    /// Groups bound to <c>system:service-account-issuer-discovery</c>. Default <c>system:serviceaccounts</c> only,
    /// as in a real cluster; add <c>system:unauthenticated</c> to let anonymous relying parties read the keys.
    /// </summary>
    public IList<string> IssuerDiscoveryGroups { get; } = ["system:serviceaccounts"];

    /// <summary>
    /// How often a watch with <c>allowWatchBookmarks=true</c> gets a BOOKMARK event, on <see cref="TimeProvider"/>.
    /// Default 1 minute (kube-apiserver's watch cache sends one about every minute). Tests can also send one at once
    /// with <see cref="LocalApiServer.SendWatchBookmarks"/>.
    /// </summary>
    public TimeSpan WatchBookmarkInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many writes (across all resources) the server remembers for watches and exact lists, as etcd keeps
    /// revisions until compaction. A watch or <c>resourceVersionMatch=Exact</c> list at an older version is 410 Gone
    /// (see also <see cref="LocalApiServer.CompactHistory"/>). Default 4096.
    /// </summary>
    public int WatchHistoryLimit { get; set; } = 4096;

    /// <summary>When set, an external signer replaces <see cref="SigningKey"/> and rotates keys on its schedule. Default null.</summary>
    public ExternalSignerOptions? ExternalSigner { get; set; }
}
