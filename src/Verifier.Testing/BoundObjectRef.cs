namespace Verifier.Testing;

/// <summary>TokenRequest <c>spec.boundObjectRef</c>: the object a token's validity is tied to.</summary>
/// <param name="Kind">Pod, Secret or Node.</param>
/// <param name="Name">The object's name (in the token's namespace, except Node).</param>
/// <param name="Uid">When set, must match the live object (409 otherwise).</param>
/// <param name="ApiVersion">Default <c>v1</c>; any group other than the core group is refused (400).</param>
public sealed record BoundObjectRef(string Kind, string Name, string? Uid = null, string ApiVersion = "v1")
{
    public static BoundObjectRef Pod(string name, string? uid = null) => new("Pod", name, uid);

    public static BoundObjectRef Secret(string name, string? uid = null) => new("Secret", name, uid);

    public static BoundObjectRef Node(string name, string? uid = null) => new("Node", name, uid);
}
