using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class TokenRequestStatusDto
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Token { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ExpirationTimestamp { get; set; }
}
