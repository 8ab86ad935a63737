using NUnit.Framework;
using YamlDotNet.RepresentationModel;

namespace Verifier.Tests.Deploy;

/// <summary>The objects of one rendered kustomization, with small helpers to walk their YAML.</summary>
public sealed class RenderedObjects(IReadOnlyList<YamlMappingNode> objects)
{
    public IReadOnlyList<YamlMappingNode> All => objects;

    public YamlMappingNode Get(string kind, string name)
    {
        var match = objects.SingleOrDefault(o => Str(o, "kind") == kind && Str(o, "metadata", "name") == name);
        Assert.That(match, Is.Not.Null, $"{kind}/{name} is not rendered");
        return match!;
    }

    public IEnumerable<YamlMappingNode> OfKind(string kind) => objects.Where(o => Str(o, "kind") == kind);

    /// <summary>The node at a path of mapping keys and sequence indexes; null when any step is missing.</summary>
    public static YamlNode? At(YamlNode? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null,
                (YamlSequenceNode seq, int index) => index < seq.Children.Count ? seq.Children[index] : null,
                _ => null,
            };
        }

        return node;
    }

    public static string? Str(YamlNode? node, params object[] path) => (At(node, path) as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlMappingNode> Seq(YamlNode? node, params object[] path) =>
        At(node, path) is YamlSequenceNode seq ? [.. seq.Children.OfType<YamlMappingNode>()] : [];

    public static IReadOnlyList<string?> Scalars(YamlNode? node, params object[] path) =>
        At(node, path) is YamlSequenceNode seq ? [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value)] : [];

    /// <summary>The item of a named list (containers, volumes, ports, env) with <c>name: <paramref name="name"/></c>.</summary>
    public static YamlMappingNode Named(YamlNode? node, string name, params object[] path)
    {
        var match = Seq(node, path).SingleOrDefault(item => Str(item, "name") == name);
        Assert.That(match, Is.Not.Null, $"no item named '{name}' at {string.Join('.', path)}");
        return match!;
    }
}
