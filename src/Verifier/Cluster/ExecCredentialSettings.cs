namespace Verifier.Cluster;

/// <summary>
/// A kubeconfig user's <c>exec</c> credential plugin (<c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>), as
/// read from the file, with the cluster facts the plugin may ask for (<c>provideClusterInfo</c>).
/// </summary>
/// <param name="ApiVersion">The ExecCredential version asked for, and required back.</param>
/// <param name="Command">The program: an absolute path (a relative one with a separator was resolved against the kubeconfig's directory) or a name looked up in <c>PATH</c>.</param>
/// <param name="Describe">Names the user and kubeconfig for error messages, e.g. <c>user 'eks' (kubeconfig '/home/me/.kube/config', context 'prod')</c>.</param>
internal sealed record ExecCredentialSettings(string ApiVersion, string Command, string Describe)
{
    public const string V1 = "client.authentication.k8s.io/v1";
    public const string V1Beta1 = "client.authentication.k8s.io/v1beta1";

    /// <summary>Passed one by one (<c>ProcessStartInfo.ArgumentList</c>): an argument with a space stays one argument.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Added to (or replacing in) the inherited environment. Values may be secrets: never logged.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Shown when the command cannot be found.</summary>
    public string? InstallHint { get; init; }

    /// <summary>Whether <c>KUBERNETES_EXEC_INFO</c> carries <c>spec.cluster</c>.</summary>
    public bool ProvideClusterInfo { get; init; }

    /// <summary>The cluster's server, for <c>spec.cluster.server</c>.</summary>
    public Uri? ClusterServer { get; init; }

    /// <summary>The cluster CA as PEM text (from data or file), for <c>spec.cluster.certificate-authority-data</c>.</summary>
    public string? ClusterCertificateAuthorityPem { get; init; }

    public bool ClusterInsecureSkipTlsVerify { get; init; }

    public Uri? ClusterProxy { get; init; }

    /// <summary>The cluster's <c>client.authentication.k8s.io/exec</c> extension as JSON, for <c>spec.cluster.config</c>.</summary>
    public string? ClusterConfigJson { get; init; }

    // The generated record ToString would print the environment, which may hold secrets.
    public override string ToString() => $"exec {Command} ({ApiVersion}, {Arguments.Count} argument(s))";
}
