namespace Verifier.Client;

/// <summary>A projected <c>serviceAccountToken</c> volume file, kept fresh by the kubelet.</summary>
public sealed class ProjectedTokenSourceOptions
{
    /// <summary>The token file. Default <c>/var/run/secrets/tokens/token</c> (mount path + the projection's <c>path</c>).</summary>
    public string Path { get; set; } = "/var/run/secrets/tokens/token";

    /// <summary>The file is re-read at least this often, watcher or not. Default 1 min.</summary>
    public TimeSpan RereadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Past this fraction of the token's life (iat → exp) a warning is logged and counted: the kubelet refreshes at
    /// 80 %, so a file still older than this means refreshes are failing. Default 0.9.
    /// </summary>
    public double NearExpiryFraction { get; set; } = 0.9;

    /// <summary>Watch the directory so the kubelet's <c>..data</c> symlink swap is seen at once. Default true.</summary>
    public bool WatchForChanges { get; set; } = true;
}
