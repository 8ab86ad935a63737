namespace Verifier.Hybrid;

/// <summary>Hybrid mode: local verification plus a bounded TokenReview check of each binding's liveness.</summary>
public sealed class HybridOptions
{
    /// <summary>
    /// A binding (service-account uid + bound pod/secret/node uid) confirmed or rejected by TokenReview is
    /// trusted for this long. Default 10 s (kube-apiserver's own success cache TTL).
    /// </summary>
    public TimeSpan LivenessTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When the API server cannot be reached, keep accepting a binding confirmed within this window.
    /// Default zero: fail closed.
    /// </summary>
    public TimeSpan OutageGrace { get; set; } = TimeSpan.Zero;

    /// <summary>Bound on remembered bindings. Default 10 000.</summary>
    public int MaxBindings { get; set; } = 10_000;
}
