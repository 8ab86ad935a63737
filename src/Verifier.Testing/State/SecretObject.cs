namespace Verifier.Testing.State;

internal sealed record SecretObject(string Namespace, string Name, string Uid, DateTimeOffset CreationTimestamp, string Type)
    : ApiObject("secrets", Namespace, Name, Uid, CreationTimestamp)
{
    public const string OpaqueType = "Opaque";

    public const string ServiceAccountTokenType = "kubernetes.io/service-account-token";

    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";

    public const string ServiceAccountUidAnnotation = "kubernetes.io/service-account.uid";

    public IReadOnlyDictionary<string, byte[]> Data { get; init; } = new Dictionary<string, byte[]>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
