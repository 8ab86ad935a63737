namespace Verifier.Testing.State;

internal sealed record ServiceAccountObject(string Namespace, string Name, string Uid, DateTimeOffset CreationTimestamp)
    : ApiObject("serviceaccounts", Namespace, Name, Uid, CreationTimestamp);
