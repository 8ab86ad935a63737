namespace Verifier.Testing.State;

internal sealed record PodObject(
    string Namespace,
    string Name,
    string Uid,
    DateTimeOffset CreationTimestamp,
    string ServiceAccountName,
    string? NodeName,
    long TerminationGracePeriodSeconds)
    : ApiObject("pods", Namespace, Name, Uid, CreationTimestamp)
{
    /// <summary>Container name and image pairs, kept only to echo them back to kubectl.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Containers { get; init; } = [];
}
