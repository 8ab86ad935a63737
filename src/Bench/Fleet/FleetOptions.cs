using System.Globalization;

namespace Bench.Fleet;

/// <summary>The fleet run's settings. Defaults: 1 000 pods, 100 service accounts, 1, 10 and 50 verifiers per mode.</summary>
internal sealed class FleetOptions
{
    public static readonly string[] AllModes = ["local", "hybrid", "tokenreview", "shadow", "watch", "watch-ns"];

    /// <summary>Verifier instances per measurement, ascending. Default 1, 10, 50.</summary>
    public IReadOnlyList<int> Instances { get; set; } = [1, 10, 50];

    /// <summary>Modes measured (of <see cref="AllModes"/>). Default all.</summary>
    public IReadOnlyList<string> Modes { get; set; } = AllModes;

    /// <summary>Pods in the emulated cluster (and the bindings the memory measurement remembers). Default 1 000.</summary>
    public int Pods { get; set; } = 1_000;

    /// <summary>Service accounts the pods run as. Default 100.</summary>
    public int ServiceAccounts { get; set; } = 100;

    /// <summary>Verifications per replica per (emulated) second at steady state. Default 20.</summary>
    public int Rate { get; set; } = 20;

    /// <summary>Distinct caller pods (one token each) every replica sees, as replicas behind one Service do. Default 20.</summary>
    public int Callers { get; set; } = 20;

    /// <summary>Emulated seconds of steady state; the clock moves 1 s after each second's verifications. Default 30.</summary>
    public int Seconds { get; set; } = 30;

    /// <summary>Distinct tokens cached for the memory-per-entry measurement. Default 2 000.</summary>
    public int MemoryEntries { get; set; } = 2_000;

    public const string Usage = """
        Usage: dotnet run -c Release --project src/Bench -- fleet [options]
          Starts an embedded LocalApiServer (1 000 pods, 100 service accounts by default), then for each mode and each
          instance count builds that many verifier hosts in this process (the library's real registration) and counts,
          from the API server's own counters: requests and bytes at start (discovery, JWKS) with the time to ready, on
          the first verification of each caller, per second at steady state under a fixed load, and after a key
          rotation; in watch mode also the lists per kind and the watch streams opened and open. Then the same load from the largest instance count through one verifier behind the HTTP verify
          endpoint (the sidecar shape), memory per cached result and per remembered binding, and a model of the
          API-server load of fleets of 10, 1 000 and 10 000 replicas.
          --instances a,b,...     verifier instances per measurement (default 1,10,50; at most 200 each)
          --modes a,b,...         of local, hybrid, tokenreview, shadow, watch, watch-ns (default all; watch-ns: watch
                                  mode with Watch:Namespaces set to one of the cluster's two app namespaces, its
                                  callers the pods of that namespace)
          --pods N                pods in the cluster (default 1000)
          --service-accounts N    service accounts (default 100)
          --rate N                verifications per replica per second at steady state (default 20)
          --callers N             distinct caller pods each replica sees (default 20; at most --pods)
          --seconds N             emulated seconds of steady state (default 30)
          --memory-entries N      distinct tokens cached for the memory measurement (default 2000)
          --help                  this text
        Exit codes: 0 done; 1 a reported request count differs from what the verifiers sent; 2 bad command line;
          3 a verifier did not load its keys (watch mode: list every kind) within 60 s; 130 Ctrl+C.
        """;

    /// <summary>Parses the command line; on a bad argument, <paramref name="error"/> is one line saying how to fix it.</summary>
    public static FleetOptions? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        var options = new FleetOptions();
        error = CommandArguments.Parse("fleet", args, ValueOptions, (name, value) => name switch
        {
            "--instances" => ParseInstances(value, options),
            "--modes" => ParseModes(value, options),
            "--pods" => ParseCount(name, value, 100_000, n => options.Pods = n),
            "--service-accounts" => ParseCount(name, value, 10_000, n => options.ServiceAccounts = n),
            "--rate" => ParseCount(name, value, 100_000, n => options.Rate = n),
            "--callers" => ParseCount(name, value, 100_000, n => options.Callers = n),
            "--seconds" => ParseCount(name, value, 3_600, n => options.Seconds = n),
            _ => ParseCount(name, value, 1_000_000, n => options.MemoryEntries = n),
        }, "see --help", out help);
        if (error is not null || help)
        {
            return error is null ? options : null;
        }

        if (options.Callers > options.Pods)
        {
            error = $"fleet: --callers {options.Callers} is more than --pods {options.Pods}; each caller is a pod";
            return null;
        }

        if (options.ServiceAccounts > options.Pods)
        {
            error = $"fleet: --service-accounts {options.ServiceAccounts} is more than --pods {options.Pods}; every service account runs a pod";
            return null;
        }

        return options;
    }

    private static readonly string[] ValueOptions = ["--instances", "--modes", "--pods", "--service-accounts", "--rate", "--callers", "--seconds", "--memory-entries"];

    private static string? ParseCount(string name, string value, int max, Action<int> set) => CommandArguments.ParseCount("fleet", name, value, 1, max, set);

    private static string? ParseInstances(string value, FleetOptions options)
    {
        var list = new List<int>();
        foreach (var part in value.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 200)
            {
                return $"fleet: --instances '{value}' is not a list of whole numbers from 1 to 200 (e.g. --instances 1,10,50)";
            }

            if (!list.Contains(n))
            {
                list.Add(n);
            }
        }

        list.Sort();
        options.Instances = list;
        return null;
    }

    private static string? ParseModes(string value, FleetOptions options)
    {
        var list = new List<string>();
        foreach (var part in value.Split(','))
        {
            if (Array.IndexOf(AllModes, part) < 0)
            {
                return $"fleet: --modes '{value}': unknown mode '{part}'; use any of {string.Join(',', AllModes)}";
            }

            if (!list.Contains(part))
            {
                list.Add(part);
            }
        }

        options.Modes = list;
        return null;
    }
}
