namespace Verifier.Cluster;

/// <summary>A <see cref="KubernetesApiError"/> as an exception, for callers off the hot path (tests, the bench set-up).</summary>
internal sealed class KubernetesApiException : Exception
{
    public KubernetesApiException(KubernetesApiError error)
        : base(error?.ToString())
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    public KubernetesApiError Error { get; }
}
