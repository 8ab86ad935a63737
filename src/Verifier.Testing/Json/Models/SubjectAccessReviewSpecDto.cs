namespace Verifier.Testing.Json.Models;

internal sealed class SubjectAccessReviewSpecDto
{
    public ResourceAttributesDto? ResourceAttributes { get; set; }

    public NonResourceAttributesDto? NonResourceAttributes { get; set; }

    public string? User { get; set; }

    public List<string>? Groups { get; set; }

    public SortedDictionary<string, List<string>>? Extra { get; set; }

    public string? Uid { get; set; }
}
