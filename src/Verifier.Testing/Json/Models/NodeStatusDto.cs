namespace Verifier.Testing.Json.Models;

internal sealed class NodeStatusDto
{
    public List<NodeConditionDto>? Conditions { get; set; }

    public NodeSystemInfoDto? NodeInfo { get; set; }
}
