namespace Bench.WatchIndex;

/// <summary>Options of <c>Bench watch-index</c>. Defaults are issue 13's size: 10 000 pods, 1 000 service accounts.</summary>
internal sealed class WatchIndexOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project src/Bench -- watch-index [options]

        Watch mode's initial list against an embedded LocalApiServer on 127.0.0.1 (real HTTPS): the time from the
        watch worker's start until every stream has listed, the list pages and bytes, and the managed heap the synced
        index keeps (after a full GC), per round, with a fresh verifier each round.
          --pods N               pods (default 10000)
          --service-accounts N   service accounts, spread over the namespaces (default 1000)
          --namespaces N         namespaces (default 10)
          --rounds N             rounds; the median is reported too (default 5)
          --page-size N          Verifier:Watch:ListPageSize (default 500, the library's default)
        """;

    public int Pods { get; private set; } = 10_000;

    public int ServiceAccounts { get; private set; } = 1_000;

    public int Namespaces { get; private set; } = 10;

    public int Rounds { get; private set; } = 5;

    public int PageSize { get; private set; } = 500;

    /// <summary>Null with <paramref name="problem"/> set on a bad argument.</summary>
    public static WatchIndexOptions? Parse(IReadOnlyList<string> args, out string? problem, out bool help)
    {
        var options = new WatchIndexOptions();
        problem = CommandArguments.Parse("watch-index", args, ValueOptions, (name, value) => CommandArguments.ParseCount("watch-index", name, value, 1, int.MaxValue, n =>
        {
            switch (name)
            {
                case "--pods": options.Pods = n; break;
                case "--service-accounts": options.ServiceAccounts = n; break;
                case "--namespaces": options.Namespaces = n; break;
                case "--rounds": options.Rounds = n; break;
                default: options.PageSize = n; break;
            }
        }), "see --help", out help);
        return problem is null ? options : null;
    }

    private static readonly string[] ValueOptions = ["--pods", "--service-accounts", "--namespaces", "--rounds", "--page-size"];
}
