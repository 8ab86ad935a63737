using BenchmarkDotNet.Running;
using Bench.Compare;
using Bench.Soak;

// No arguments, or `compare ...`: the README's main job. `bdn ...`: the BenchmarkDotNet suites. `soak ...`: load and memory over minutes.
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(CompareCommand).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length > 0 && args[0] == "soak")
{
    return await SoakCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

var compareArgs = args.Length > 0 && args[0] == "compare" ? args[1..] : args;
return await CompareCommand.RunAsync(compareArgs).ConfigureAwait(false);
