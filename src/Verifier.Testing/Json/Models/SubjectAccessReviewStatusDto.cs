using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

internal sealed class SubjectAccessReviewStatusDto
{
    /// <summary>Always written (Go: <c>json:"allowed"</c>, no omitempty).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool Allowed { get; set; }

    public bool? Denied { get; set; }

    public string? Reason { get; set; }
}
