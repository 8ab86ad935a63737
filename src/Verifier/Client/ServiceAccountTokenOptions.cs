namespace Verifier.Client;

/// <summary>Where <c>AddServiceAccountToken</c> gets tokens for one named HttpClient: a projected file (default) or TokenRequest.</summary>
public sealed class ServiceAccountTokenOptions
{
    /// <summary>The projected token file, used unless <see cref="TokenRequest"/> is set.</summary>
    public ProjectedTokenSourceOptions Projected { get; set; } = new();

    /// <summary>When set, tokens come from the TokenRequest API instead of a file. No default.</summary>
    public TokenRequestSourceOptions? TokenRequest { get; set; }
}
