namespace Verifier.Watch;

/// <summary>A <c>PartialObjectMetadataList</c>.</summary>
internal sealed class MetadataListJson
{
    public ObjectMetaJson? Metadata { get; set; }

    public List<MetadataObjectJson>? Items { get; set; }
}
