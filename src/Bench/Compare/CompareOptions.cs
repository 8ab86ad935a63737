using System.Globalization;

namespace Bench.Compare;

/// <summary>Command-line options of the compare run. Defaults keep a run under about two minutes on 2 cores.</summary>
internal sealed class CompareOptions
{
    /// <summary>Valid pod-bound tokens in the corpus. Default 2000.</summary>
    public int ValidTokens { get; set; } = 2000;

    /// <summary>Tokens per rejected category (expired, wrong audience, ...). Default 100.</summary>
    public int TokensPerCategory { get; set; } = 100;

    /// <summary>Pods the valid tokens are bound to (the distinct bindings). Default 50.</summary>
    public int Pods { get; set; } = 50;

    /// <summary>Service accounts the pods run as. Default 5.</summary>
    public int ServiceAccounts { get; set; } = 5;

    /// <summary>The "N concurrent callers" level. Default 8.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Length of one throughput measurement. Default 1 s.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Measurements per mode and concurrency level; the median is reported. Default 3.</summary>
    public int Rounds { get; set; } = 3;

    /// <summary>Names of the modes to run (see <see cref="ModeConfiguration.All"/>). Default: all.</summary>
    public IReadOnlyList<string>? Modes { get; set; }

    /// <summary>
    /// Measure revocation latency (a bound pod deleted, the clock moved past the 60 s leeway) for the TokenReview, hybrid
    /// and watch modes; <c>--no-revocation</c> skips it (a caching mode takes up to its TTL, 10 s). Default on.
    /// </summary>
    public bool Revocation { get; set; } = true;

    public string? MarkdownOut { get; set; }

    public string? JsonOut { get; set; }

    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public bool InCluster { get; set; }

    public bool AllowWrites { get; set; }

    /// <summary>Namespace the run creates its objects in on a real cluster. Default <c>token-compare</c>.</summary>
    public string Namespace { get; set; } = "token-compare";

    /// <summary>Status lines on stderr; <c>--no-progress</c> turns them off. Default on.</summary>
    public bool Progress { get; set; } = true;

    public bool UsesRealCluster => Kubeconfig is not null || InCluster;

    public const string Usage = """
        Usage: dotnet run -c Release --project src/Bench [-- compare] [options]
               dotnet run -c Release --project src/Bench -- bdn --filter '*'

        With no cluster option the run starts an embedded LocalApiServer on 127.0.0.1.
          --valid-tokens N       valid pod-bound tokens (default 2000)
          --per-category N       tokens per rejected category (default 100)
          --pods N               pods, i.e. distinct bindings (default 50)
          --service-accounts N   service accounts (default 5)
          --concurrency N        the N of "1 and N concurrent callers" (default 8)
          --duration SECONDS     one throughput measurement (default 1)
          --rounds N             measurements per point, median reported (default 3)
          --modes a,b,...        only these of: local, local-uncached, tokenreview, tokenreview-uncached, hybrid, watch, shadow
          --no-revocation        skip the revocation-latency probe (pod deleted past the 60 s leeway -> first
                                 rejection; tokenreview, hybrid and watch modes; up to 10 s per caching mode)
          --out FILE.md          also write the report as Markdown
          --json FILE.json       also write the report as JSON
          --no-progress          no status lines on stderr (only the report, "wrote" lines and errors)
        Against a real cluster instead:
          --kubeconfig PATH [--context NAME] | --in-cluster
          --namespace NAME       namespace the run works in (default token-compare; it must exist:
                                 kubectl create namespace NAME)
          --allow-writes         create service accounts and pods there (cleaned up afterwards);
                                 without it only tokens for its existing default service account are requested

        Exit codes (only verdicts decide between 0 and 1; throughput, latency and ratios depend on the machine
        and never fail the run):
          0  every mode agrees with TokenReview wherever it is meant to
          1  an unexplained disagreement (a verdict)
          2  bad command line (unknown option, bad value)
          3  --kubeconfig/--context/--in-cluster cannot be used (no such file, no such context, invalid)
          4  --out/--json cannot be written (missing directory, no permission)
          6  the API server is unreachable or refuses the run's credential or request
          7  --namespace does not exist on the cluster
          130 interrupted (Ctrl+C)
        """;

    /// <exception cref="ArgumentException">On an unknown option or a bad value; the message names it.</exception>
    public static CompareOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CompareOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Count() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{arg} takes a positive whole number.");
            switch (arg)
            {
                case "--valid-tokens": options.ValidTokens = Count(); break;
                case "--per-category": options.TokensPerCategory = Count(); break;
                case "--pods": options.Pods = Count(); break;
                case "--service-accounts": options.ServiceAccounts = Count(); break;
                case "--concurrency": options.Concurrency = Count(); break;
                case "--duration":
                    options.Duration = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
                        ? TimeSpan.FromSeconds(s) : throw new ArgumentException("--duration takes a positive number of seconds.");
                    break;
                case "--rounds": options.Rounds = Count(); break;
                case "--modes":
                    options.Modes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    foreach (var mode in options.Modes)
                    {
                        if (!ModeConfiguration.All.Any(m => m.Name == mode))
                        {
                            throw new ArgumentException($"--modes: unknown mode '{mode}'.");
                        }
                    }

                    break;
                case "--out": options.MarkdownOut = Value(); break;
                case "--json": options.JsonOut = Value(); break;
                case "--kubeconfig": options.Kubeconfig = Value(); break;
                case "--context": options.Context = Value(); break;
                case "--in-cluster": options.InCluster = true; break;
                case "--allow-writes": options.AllowWrites = true; break;
                case "--namespace": options.Namespace = Value(); break;
                case "--no-progress": options.Progress = false; break;
                case "--no-revocation": options.Revocation = false; break;
                default: throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        if (options.Pods < options.ServiceAccounts)
        {
            throw new ArgumentException("--pods must be at least --service-accounts (every service account runs a pod).");
        }

        return options;
    }
}
