namespace Verifier.Watch;

/// <summary>The fields of <c>metadata</c> the index keeps (and the version); everything else is skipped while parsing.</summary>
internal sealed class ObjectMetaJson
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>List metadata only: the next page's token.</summary>
    public string? Continue { get; set; }
}
