namespace Bench.Compare;

/// <param name="Token">The raw JWT (or garbage, for <see cref="TokenCategory.Malformed"/>).</param>
internal sealed record CorpusToken(TokenCategory Category, string Token);
