namespace Verifier.Watch;

/// <summary>One line of a watch stream: <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{…}}</c>.</summary>
internal sealed class WatchEventJson
{
    public string? Type { get; set; }

    public MetadataObjectJson? Object { get; set; }
}
