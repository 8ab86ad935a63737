using System.Reflection;
using BenchmarkDotNet.Attributes;
using Bench;
using Bench.Compare;
using NUnit.Framework;

namespace Verifier.Tests.Bench;

/// <summary>
/// Every BenchmarkDotNet suite in src/Bench, run once outside BenchmarkDotNet: setup, each benchmark, cleanup. A
/// suite whose setup breaks or whose benchmark stops verifying fails here, in seconds, not in a long run.
/// </summary>
public sealed class BenchmarkSuitesSmokeTests
{
    private static IEnumerable<Type> Suites() => typeof(CompareCommand).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        .OrderBy(t => t.Name);

    [Test]
    public void Suites_AreDiscovered()
    {
        var names = Suites().Select(t => t.Name).ToList();

        Assert.That(names, Is.SupersetOf(new[] { "LocalVerificationBenchmarks", "ModeBenchmarks", "UnknownKidFloodBenchmarks" }));
    }

    [TestCaseSource(nameof(Suites))]
    public async Task Suite_EveryBenchmarkOnce_RunsAndSucceeds(Type suite)
    {
        var instance = Activator.CreateInstance(suite)!;
        foreach (var property in suite.GetProperties().Where(p => p.GetCustomAttribute<ParamsAttribute>() is not null))
        {
            property.SetValue(instance, property.GetCustomAttribute<ParamsAttribute>()!.Values[0]);
        }

        await InvokeAllAsync<GlobalSetupAttribute>(instance);
        try
        {
            var benchmarks = suite.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToList();
            Assert.That(benchmarks, Is.Not.Empty);
            foreach (var benchmark in benchmarks)
            {
                var result = await UnwrapAsync(benchmark.Invoke(instance, null));

                // A void (or Task) benchmark reports failure by throwing, which fails this test on its own.
                var returnsNothing = benchmark.ReturnType == typeof(void) || benchmark.ReturnType == typeof(Task);
                Assert.That(returnsNothing || Succeeded(result), Is.True, $"{suite.Name}.{benchmark.Name} returned {result ?? "null"}");
            }
        }
        finally
        {
            await InvokeAllAsync<GlobalCleanupAttribute>(instance);
        }
    }

    [Test]
    public async Task UnknownKidFlood_TenThousandBogusKids_AtMostOneJwksFetch()
    {
        var flood = new UnknownKidFloodBenchmarks();
        await flood.SetupAsync();
        try
        {
            var rejected = await flood.Flood();

            Assert.Multiple(() =>
            {
                Assert.That(rejected, Is.EqualTo(UnknownKidFloodBenchmarks.TokensPerInvoke), "every bogus token is refused: UnknownKey, or a transient 503 while no fetch has settled its kid");
                Assert.That(flood.FloodFetches, Is.LessThanOrEqualTo(1), "one on-demand refresh per 30 s cooldown, however many kids miss");
            });
        }
        finally
        {
            await flood.CleanupAsync();
        }
    }

    private static async Task InvokeAllAsync<TAttribute>(object instance)
        where TAttribute : Attribute
    {
        foreach (var method in instance.GetType().GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null))
        {
            await UnwrapAsync(method.Invoke(instance, null));
        }
    }

    private static async Task<object?> UnwrapAsync(object? value)
    {
        switch (value)
        {
            case Task task:
                await task;
                return task.GetType().GetProperty("Result")?.GetValue(task);
            case null:
                return null;
        }

        var type = value.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var task = (Task)type.GetMethod("AsTask")!.Invoke(value, null)!;
            await task;
            return task.GetType().GetProperty("Result")!.GetValue(task);
        }

        return value;
    }

    // A benchmark returns what it computed; each shape says whether the work it timed succeeded. A new shape fails
    // until it is added here with its own meaning of success.
    private static bool Succeeded(object? result) => result switch
    {
        bool ok => ok,
        TokenVerificationResult verdict => verdict.Succeeded,
        int count => count > 0, // HTTP status of the floor request, or tokens rejected as intended
        _ => false,
    };
}
