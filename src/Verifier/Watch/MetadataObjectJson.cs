namespace Verifier.Watch;

/// <summary>
/// A <c>PartialObjectMetadata</c>, or (in a watch ERROR event) a <c>Status</c>: both are read through this one shape,
/// since the event's type says which it is.
/// </summary>
internal sealed class MetadataObjectJson
{
    public ObjectMetaJson? Metadata { get; set; }

    /// <summary>Status only: the HTTP code (410 for an expired version).</summary>
    public int? Code { get; set; }

    /// <summary>Status only.</summary>
    public string? Reason { get; set; }

    /// <summary>Status only.</summary>
    public string? Message { get; set; }
}
