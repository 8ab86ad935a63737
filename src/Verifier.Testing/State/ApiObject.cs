namespace Verifier.Testing.State;

/// <summary>
/// An object the emulated API server stores. Immutable: a change (deletion mark, recreation) replaces the object,
/// so readers never see a half-updated one.
/// </summary>
internal abstract record ApiObject(string Resource, string? Namespace, string Name, string Uid, DateTimeOffset CreationTimestamp)
{
    public long ResourceVersion { get; init; }

    /// <summary>Set by a graceful delete; the object stays until the deletion is finalized.</summary>
    public DateTimeOffset? DeletionTimestamp { get; init; }

    public long? DeletionGracePeriodSeconds { get; init; }

    /// <summary><c>metadata.labels</c>, what label selectors match.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    /// <summary>kube-apiserver: deleted means gone, or <c>deletionTimestamp</c> before <paramref name="invalidIfDeletedBefore"/>.</summary>
    public bool IsDeletedBefore(DateTimeOffset invalidIfDeletedBefore) =>
        DeletionTimestamp is { } deletedAt && deletedAt < invalidIfDeletedBefore;
}
