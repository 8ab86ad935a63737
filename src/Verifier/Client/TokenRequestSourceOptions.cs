using Verifier.Cluster;
namespace Verifier.Client;

/// <summary>Tokens requested through the TokenRequest API (<c>create serviceaccounts/token</c>) with the workload's own credential.</summary>
public sealed class TokenRequestSourceOptions
{
    /// <summary>kube-apiserver refuses shorter lifetimes (422 "may not specify a duration less than 10 minutes").</summary>
    public const long MinExpirationSeconds = 600;

    /// <summary>kube-apiserver's upper limit for <c>expirationSeconds</c> (2^32).</summary>
    public const long MaxExpirationSeconds = 1L << 32;

    /// <summary>The service account's namespace. Default: the connection's namespace (in-cluster <c>namespace</c> file or kubeconfig context).</summary>
    public string? Namespace { get; set; }

    /// <summary>The service account to request tokens for. Required.</summary>
    public string ServiceAccountName { get; set; } = "";

    /// <summary>Audiences of the token. Empty (default): the API server's own audiences.</summary>
    public IList<string> Audiences { get; set; } = [];

    /// <summary>Requested lifetime, at least 600 s. Default 3600 s (the API server may shorten it).</summary>
    public long ExpirationSeconds { get; set; } = 3600;

    /// <summary>Bind the token to an object (e.g. the own pod). No default.</summary>
    public BoundObjectReference? BoundObject { get; set; }

    /// <summary>A new token is requested at this fraction of the current one's lifetime, as the kubelet does. Default 0.8.</summary>
    public double RenewAtFraction { get; set; } = 0.8;

    /// <summary>Up to this fraction of the lifetime is randomly taken off the renewal point, so replicas spread out. Default 0.05.</summary>
    public double RenewJitterFraction { get; set; } = 0.05;

    /// <summary>Attempts per renewal on 429/5xx/timeouts/connection errors. Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay, doubled per attempt (a 429's Retry-After wins when longer). Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of one retry delay, and the delay before the next background try after a failed renewal. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The API server to ask and the credential to ask with. Default: in-cluster (the pod's own token).</summary>
    public ApiServerOptions ApiServer { get; set; } = new();
}
