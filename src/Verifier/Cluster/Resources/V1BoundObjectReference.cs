namespace Verifier.Cluster.Resources;

/// <summary>The object a token is bound to: <c>Pod</c>, <c>Secret</c> or <c>Node</c>, all of API version <c>v1</c>.</summary>
internal sealed class V1BoundObjectReference
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public string? Name { get; set; }

    public string? Uid { get; set; }
}
