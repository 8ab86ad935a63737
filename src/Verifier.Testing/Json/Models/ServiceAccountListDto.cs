using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class ServiceAccountListDto
{
    public string Kind { get; set; } = "ServiceAccountList";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<ServiceAccountDto> Items { get; set; } = [];
}
