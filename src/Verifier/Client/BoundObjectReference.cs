namespace Verifier.Client;

/// <summary>
/// The object a requested token is bound to (TokenRequest <c>boundObjectRef</c>): the token dies with it. Typically the
/// workload's own pod, its name and uid from the downward API (<c>metadata.name</c>, <c>metadata.uid</c>).
/// </summary>
public sealed class BoundObjectReference
{
    /// <summary><c>Pod</c> (default), <c>Secret</c> or <c>Node</c>.</summary>
    public string Kind { get; set; } = "Pod";

    /// <summary>Required.</summary>
    public string Name { get; set; } = "";

    /// <summary>Optional; when set, a recreated object with the same name does not match (409).</summary>
    public string? Uid { get; set; }
}
