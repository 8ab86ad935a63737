using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class TokenReviewStatusDto
{
    /// <summary>Null (omitted) when false: Go's <c>omitempty</c>.</summary>
    public bool? Authenticated { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public UserInfoDto User { get; set; } = new();

    public List<string>? Audiences { get; set; }

    public string? Error { get; set; }
}
