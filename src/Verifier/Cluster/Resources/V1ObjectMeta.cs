namespace Verifier.Cluster.Resources;

/// <summary>The few <c>metadata</c> fields the verifier reads or sets.</summary>
internal sealed class V1ObjectMeta
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public DateTimeOffset? CreationTimestamp { get; set; }

    public DateTimeOffset? DeletionTimestamp { get; set; }

    public IDictionary<string, string>? Labels { get; set; }
}
