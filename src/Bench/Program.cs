using BenchmarkDotNet.Running;
using Bench.Compare;

// No arguments, or `compare ...`: the README's main job. `bdn ...`: the BenchmarkDotNet suites.
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(CompareCommand).Assembly).Run(args[1..]);
    return 0;
}

var compareArgs = args.Length > 0 && args[0] == "compare" ? args[1..] : args;
return await CompareCommand.RunAsync(compareArgs).ConfigureAwait(false);
