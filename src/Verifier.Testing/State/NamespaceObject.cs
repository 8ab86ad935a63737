namespace Verifier.Testing.State;

internal sealed record NamespaceObject(string Name, string Uid, DateTimeOffset CreationTimestamp)
    : ApiObject("namespaces", null, Name, Uid, CreationTimestamp);
