namespace Bench.Compare;

/// <summary>The minted tokens, and which categories this target could not produce (with why).</summary>
internal sealed class Corpus
{
    public List<CorpusToken> Tokens { get; } = [];

    public Dictionary<TokenCategory, string> Skipped { get; } = [];

    /// <summary>The valid tokens, used for the throughput measurements.</summary>
    public string[] ValidTokens() => [.. Tokens.Where(t => t.Category == TokenCategory.Valid).Select(t => t.Token)];

    public void Add(TokenCategory category, string token) => Tokens.Add(new CorpusToken(category, token));
}
