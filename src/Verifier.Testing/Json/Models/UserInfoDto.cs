namespace Verifier.Testing.Json.Models;

internal sealed class UserInfoDto
{
    public string? Username { get; set; }

    public string? Uid { get; set; }

    public List<string>? Groups { get; set; }

    /// <summary>Keys in ordinal order, as Go marshals maps.</summary>
    public SortedDictionary<string, List<string>>? Extra { get; set; }
}
