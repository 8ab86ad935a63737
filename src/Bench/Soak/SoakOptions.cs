using System.Globalization;

namespace Bench.Soak;

/// <summary>The soak run's settings: the command line sets duration and threads; the tests shrink the corpus.</summary>
internal sealed class SoakOptions
{
    /// <summary>How long each mode runs under load. Default 5 minutes.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Concurrent callers. Default 2 (the machine's cores).</summary>
    public int Threads { get; set; } = 2;

    /// <summary>The verifier's <c>Cache:MaxEntries</c> for the run. Default 2 000, below <see cref="ValidTokens"/>.</summary>
    public int CacheMaxEntries { get; set; } = 2_000;

    /// <summary>Distinct valid tokens: more than <see cref="CacheMaxEntries"/>, so the cache must evict. Default 3 000.</summary>
    public int ValidTokens { get; set; } = 3_000;

    /// <summary>Distinct kids of the bogus-kid flood: more than the negative cache holds (1 024). Default 4 000.</summary>
    public int BogusKids { get; set; } = 4_000;

    /// <summary>Distinct service accounts the valid tokens belong to (Hybrid confirms each binding). Default 40.</summary>
    public int ServiceAccounts { get; set; } = 40;

    public const string Usage = """
        Usage: Bench soak [--duration <hh:mm:ss>] [--threads <n>]
          Verifies a mixed corpus (50 % valid tokens over more distinct tokens than Cache:MaxEntries, 50 % invalid with a
          bogus-kid flood) in Local and Hybrid mode against an embedded LocalApiServer, and reports throughput, p50/p99,
          GC counts, working set over time, cache sizes against their bounds and API-server requests per 1 000 verifications.
          --duration  load time per mode (default 00:05:00)
          --threads   concurrent callers (default 2)
          --help      this text
        """;

    /// <summary>Parses the command line; on a bad argument, <paramref name="error"/> is one line saying how to fix it.</summary>
    public static SoakOptions? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        var options = new SoakOptions();
        error = CommandArguments.Parse("soak", args, ["--duration", "--threads"], (name, value) => name == "--duration"
                ? ParseDuration(value, options)
                : CommandArguments.ParseCount("soak", name, value, 1, 256, n => options.Threads = n),
            "use --duration <hh:mm:ss>, --threads <n> or --help", out help);
        return error is null ? options : null;
    }

    private static string? ParseDuration(string value, SoakOptions options)
    {
        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var duration) || duration < TimeSpan.FromSeconds(1) || duration > TimeSpan.FromDays(1))
        {
            return $"soak: --duration '{value}' is not a duration between 00:00:01 and 1.00:00:00 (e.g. --duration 00:01:00)";
        }

        options.Duration = duration;
        return null;
    }
}
