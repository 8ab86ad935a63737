namespace Verifier.Testing.State;

internal sealed record NodeObject(string Name, string Uid, DateTimeOffset CreationTimestamp)
    : ApiObject("nodes", null, Name, Uid, CreationTimestamp);
