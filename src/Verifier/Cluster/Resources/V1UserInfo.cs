namespace Verifier.Cluster.Resources;

internal sealed class V1UserInfo
{
    public string? Username { get; set; }

    public string? Uid { get; set; }

    public IList<string>? Groups { get; set; }

    public IDictionary<string, IList<string>>? Extra { get; set; }
}
