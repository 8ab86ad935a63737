namespace Verifier.Watch;

/// <summary>
/// Watch mode: local verification, then the liveness of the token's service account and bound pod, secret or node
/// read from an in-process index that list + watch keeps current (metadata only).
/// </summary>
public sealed class WatchOptions
{
    /// <summary>Namespaces whose pods, service accounts and secrets are watched. Empty (default): all namespaces (one stream per kind).</summary>
    public IList<string> Namespaces { get; set; } = [];

    /// <summary>
    /// A label selector (<c>app=web,tier!=batch</c>) for the pods watched. Null (default): every pod. Tokens of a pod
    /// outside it are confirmed by TokenReview, as hybrid mode does.
    /// </summary>
    public string? PodLabelSelector { get; set; }

    /// <summary>Watch secrets, for secret-bound tokens. Default true; when false those tokens are confirmed by TokenReview.</summary>
    public bool WatchSecrets { get; set; } = true;

    /// <summary>Watch nodes, for node-bound tokens. Default true; when false those tokens are confirmed by TokenReview.</summary>
    public bool WatchNodes { get; set; } = true;

    /// <summary>
    /// The longest a stream may go without an event, a bookmark or a list (kube-apiserver sends a
    /// bookmark about once a minute). Past it the stream counts as lost: it is reconnected, and until it is back the
    /// kind's tokens are confirmed by TokenReview. Default 90 s.
    /// </summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>The <c>timeoutSeconds</c> asked of each watch (plus up to 10 % jitter), so streams rotate through load balancers. Default 5 min.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The first delay before reconnecting after a failed list or watch; doubled per failure, with jitter. Must be greater than zero. Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between reconnection attempts. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Objects per list page (<c>limit</c>). Default 500.</summary>
    public int ListPageSize { get; set; } = 500;

    /// <summary>Larger list pages or watch events are rejected (the stream is relisted). Default 16 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many deleted or replaced object uids are remembered, so their tokens are refused without a TokenReview.
    /// Beyond it the oldest are forgotten (their tokens then go to TokenReview once). Default 100 000.
    /// </summary>
    public int MaxRememberedDeletions { get; set; } = 100_000;
}
