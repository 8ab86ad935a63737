namespace Verifier.Testing.Json.Models;

internal sealed class TokenReviewSpecDto
{
    public string? Token { get; set; }

    public List<string>? Audiences { get; set; }
}
