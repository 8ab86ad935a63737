using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class NodeListDto
{
    public string Kind { get; set; } = "NodeList";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<NodeDto> Items { get; set; } = [];
}
