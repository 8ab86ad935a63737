using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "bdn")
{
    // BenchmarkDotNet suites (not typeof(Program): Verifier.Testing's Program is visible here too), e.g. `-- bdn --filter '*LocalVerification*'`.
    BenchmarkSwitcher.FromAssembly(typeof(Bench.LocalVerificationBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

Console.WriteLine("compare not built yet; for the BenchmarkDotNet suites run: dotnet run -c Release --project src/Bench -- bdn --filter '*LocalVerification*'");
return 0;
