using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class PodListDto
{
    public string Kind { get; set; } = "PodList";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<PodDto> Items { get; set; } = [];
}
