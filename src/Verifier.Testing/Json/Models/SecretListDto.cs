using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class SecretListDto
{
    public string Kind { get; set; } = "SecretList";

    public string ApiVersion { get; set; } = "v1";

    public ListMeta Metadata { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<SecretDto> Items { get; set; } = [];
}
