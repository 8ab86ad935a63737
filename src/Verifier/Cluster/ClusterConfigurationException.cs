namespace Verifier.Cluster;

/// <summary>
/// The API-server connection settings cannot work (missing file, unknown context, unsupported kubeconfig auth).
/// Thrown at startup; the message says how to fix the setting.
/// </summary>
internal sealed class ClusterConfigurationException : InvalidOperationException
{
    public ClusterConfigurationException(string message)
        : base(message)
    {
    }

    public ClusterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
