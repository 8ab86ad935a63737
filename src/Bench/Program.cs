using System.Runtime.CompilerServices;
using BenchmarkDotNet.Running;
using Bench.Compare;
using Bench.E2e;
using Bench.Fleet;
using Bench.Soak;
using Bench.WatchIndex;

// No arguments, or `compare ...`: the README's main job. `bdn ...`: the BenchmarkDotNet suites. `soak ...`: load and memory over minutes.
// `e2e-apiserver`, `e2e-server`: the processes of src/Bench/e2e.sh. `fleet ...`: the API server's cost of 1..N verifier replicas per mode, and the fleet model.
// `watch-index ...`: watch mode's initial list time and memory (issue 13).
if (args.Length > 0 && args[0] == "bdn")
{
    return RunBenchmarks(args[1..]);
}

// The end-to-end run's processes (src/Bench/e2e.sh starts them): the API server and one authentication build.
if (args.Length > 0 && args[0] == "e2e-apiserver")
{
    return await E2eApiServerCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "e2e-server")
{
    return await E2eServerCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "soak")
{
    return await SoakCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "fleet")
{
    return await FleetCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "watch-index")
{
    return await WatchIndexCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

var compareArgs = args.Length > 0 && args[0] == "compare" ? args[1..] : args;
return await CompareCommand.RunAsync(compareArgs).ConfigureAwait(false);

// Its own method, so compare and --help never load BenchmarkDotNet.
[MethodImpl(MethodImplOptions.NoInlining)]
static int RunBenchmarks(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(CompareCommand).Assembly).Run(args).ToList();
    if (summaries.Count > 0 || args.Any(a => a is "--list" or "--help" or "-h" or "--version" or "--info"))
    {
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }

    // BenchmarkDotNet printed its usage (an option it does not know) or found nothing to run: that is not success.
    Console.Error.WriteLine("bdn: no benchmark ran: an unknown option, or a --filter that matches nothing (`Bench bdn --list flat` lists them)");
    return 2;
}
