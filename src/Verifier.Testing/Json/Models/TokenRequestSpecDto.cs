using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class TokenRequestSpecDto
{
    // Go: `json:"audiences"` without omitempty.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public List<string>? Audiences { get; set; }

    public long? ExpirationSeconds { get; set; }

    public BoundObjectReferenceDto? BoundObjectRef { get; set; }
}
