using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class NamespaceListDto
{
    public string Kind { get; set; } = "NamespaceList";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<NamespaceDto> Items { get; set; } = [];
}
