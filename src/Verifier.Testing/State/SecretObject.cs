namespace Verifier.Testing.State;

internal sealed record SecretObject(string Namespace, string Name, string Uid, DateTimeOffset CreationTimestamp, string Type)
    : ApiObject("secrets", Namespace, Name, Uid, CreationTimestamp)
{
    public IReadOnlyDictionary<string, byte[]> Data { get; init; } = new Dictionary<string, byte[]>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
