using System.Diagnostics;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;

// Before/after in ONE process: two builds of src/Bench (each with its own Verifier.dll and dependencies) are loaded
// side by side, each into its own AssemblyLoadContext, and the same benchmark method of both is timed in short
// alternating batches (about 2 ms each: before, after, after, before, ...). The machine's speed drifts over seconds and
// minutes; two adjacent 2 ms batches see the same machine, so the median of the per-pair ratios measures the code,
// not the drift. BenchmarkDotNet runs (tools/bench/ab.sh) on this shared 2-core machine could not resolve 5 %.
//
//   dotnet run -c Release --project tools/bench/Interleave -- BEFORE/Bench.dll AFTER/Bench.dll [--pairs N] [--batch-ms N] [--only Method,...]
//
// Each Bench.dll must be a Release build (dotnet build -c Release src/Bench). Prints one markdown row per method:
// each side's median ns/op over its batches and the median after/before ratio of adjacent batches with its
// interquartile range.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Interleave BEFORE/Bench.dll AFTER/Bench.dll [--pairs N] [--batch-ms N] [--only Method,...]");
    return 2;
}

var pairs = 400;
var batchMilliseconds = 2;
string[]? only = null;
for (var i = 2; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pairs" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0:
            pairs = n;
            i++;
            break;
        case "--batch-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var ms) && ms > 0:
            batchMilliseconds = ms;
            i++;
            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            break;
        default:
            Console.Error.WriteLine($"Interleave: unknown or incomplete option '{args[i]}'");
            return 2;
    }
}

const string ServerSideReview = "ServerSideReview";
(string Type, string Method)[] methods =
[
    ("Bench.LocalVerificationBenchmarks", "RawRsaVerify"),
    ("Bench.LocalVerificationBenchmarks", "Rs256Uncached"),
    ("Bench.LocalVerificationBenchmarks", "Rs256Cached"),
    ("Bench.LocalVerificationBenchmarks", "RawEcdsaVerify"),
    ("Bench.LocalVerificationBenchmarks", "Es256Uncached"),
    ("Bench.LocalVerificationBenchmarks", "Es256Cached"),
    ("Bench.LocalVerificationBenchmarks", "JsonWebTokenHandlerRs256"),
    ("Bench.ModeBenchmarks", "LocalUncached"),
    ("Bench.ModeBenchmarks", "LocalCached"),
    ("Bench.ModeBenchmarks", "HybridRepeatingBindings"),
    ("Bench.ModeBenchmarks", "LoopbackHttpsFloor"),
    ("Bench.ModeBenchmarks", "TokenReviewUncached"),
    ("Bench.ModeBenchmarks", "TokenReviewServerSide"), // after only (added with issue 10): skipped when a side lacks it
    ("Bench.ModeBenchmarks", ServerSideReview), // the same, built here for both sides: each side's emulator, one client
];
if (only is not null)
{
    methods = [.. methods.Where(m => only.Contains(m.Method))];
}

var before = new Side("before", Path.GetFullPath(args[0]));
var after = new Side("after", Path.GetFullPath(args[1]));
Console.WriteLine($"// {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {pairs} pairs of ~{batchMilliseconds} ms batches per method, {Environment.ProcessorCount} cores");
Console.WriteLine("| benchmark | before ns/op (median) | after ns/op (median) | after ÷ before, adjacent batches: median [IQR] |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var (type, method) in methods)
{
    if (before.Bind(type, method) is not { } b || after.Bind(type, method) is not { } a)
    {
        Console.WriteLine($"| {method} | — | — | not in both builds |");
        continue;
    }

    Warm(b);
    Warm(a);
    var calls = Calibrate(b, batchMilliseconds);
    var bt = new List<double>(pairs);
    var at = new List<double>(pairs);
    var ratios = new List<double>(pairs);
    for (var p = 0; p < pairs; p++)
    {
        // Alternate the order so neither side always runs first after the other's batch.
        double x, y;
        if (p % 2 == 0)
        {
            x = Time(b, calls);
            y = Time(a, calls);
        }
        else
        {
            y = Time(a, calls);
            x = Time(b, calls);
        }

        bt.Add(x);
        at.Add(y);
        ratios.Add(y / x);
    }

    ratios.Sort();
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {method} | {Median(bt):0.0} | {Median(at):0.0} | **{Median(ratios):0.000}** [{Quantile(ratios, 0.25):0.000}–{Quantile(ratios, 0.75):0.000}] |"));
}

before.Dispose();
after.Dispose();
return 0;

static int Calibrate(Func<object?> call, int batchMilliseconds)
{
    // Enough calls for about --batch-ms (2 ms) per batch.
    var calls = 1;
    while (Time(call, calls) * calls < batchMilliseconds * 1e6 && calls < 1 << 20)
    {
        calls *= 2;
    }

    return calls;
}

static void Warm(Func<object?> call)
{
    // 1.5 s: past tiered compilation's thresholds (30 calls, then a 100 ms delay before tier 1) and its OSR.
    var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3 / 2);
    while (Stopwatch.GetTimestamp() < until)
    {
        call();
    }
}

static double Time(Func<object?> call, int calls)
{
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < calls; i++)
    {
        call();
    }

    return Stopwatch.GetElapsedTime(started).TotalNanoseconds / calls;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return Quantile(sorted, 0.5);
}

static double Quantile(List<double> sorted, double q)
{
    var position = (sorted.Count - 1) * q;
    var low = (int)Math.Floor(position);
    var high = (int)Math.Ceiling(position);
    return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
}

/// <summary>One build of src/Bench in its own load context, and the benchmark objects set up in it.</summary>
internal sealed class Side : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly Assembly _bench;
    private readonly Dictionary<string, object> _instances = [];

    public Side(string name, string benchPath)
    {
        var resolver = new AssemblyDependencyResolver(benchPath);
        _context = new IsolatedContext(name, resolver);
        _bench = _context.LoadFromAssemblyPath(benchPath);
    }

    /// <summary>A call of the benchmark method on its (set-up) instance; a ValueTask result is completed synchronously.</summary>
    public Func<object?>? Bind(string typeName, string methodName)
    {
        if (!_instances.TryGetValue(typeName, out var instance))
        {
            var type = _bench.GetType(typeName, throwOnError: true)!;
            instance = Activator.CreateInstance(type)!;
            type.GetMethod("Setup")!.Invoke(instance, null);
            _instances[typeName] = instance;
        }

        if (methodName == "ServerSideReview")
        {
            return ServerSideReview(instance);
        }

        if (instance.GetType().GetMethod(methodName) is not { } method)
        {
            return null;
        }

        Expression body = Expression.Call(Expression.Constant(instance), method);
        if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() is var definition
            && (definition == typeof(ValueTask<>) || definition == typeof(Task<>)))
        {
            var complete = definition == typeof(Task<>) ? nameof(CompleteTask) : nameof(Complete);
            body = Expression.Call(typeof(Side).GetMethod(complete, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(method.ReturnType.GetGenericArguments()), body);
        }

        return Expression.Lambda<Func<object?>>(Expression.Convert(body, typeof(object))).Compile();
    }

    public void Dispose()
    {
        foreach (var instance in _instances.Values)
        {
            instance.GetType().GetMethod("Cleanup")?.Invoke(instance, null);
        }
    }

    /// <summary>
    /// ModeBenchmarks' TokenReview sent by a plain HttpClient (this file's code, the same for both sides) to that side's
    /// LocalApiServer with the verifier's own credential: the emulator's share of TokenReviewUncached, so the
    /// verifier's share can be told apart although the emulator changed between the trees.
    /// </summary>
    private static Func<object?> ServerSideReview(object benchmarks)
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var type = benchmarks.GetType();
        var server = type.GetField("_server", Private)!.GetValue(benchmarks)!;
        var token = (string)type.GetField("_token", Private)!.GetValue(benchmarks)!;
        var directory = (string)type.GetField("_directory", Private)!.GetValue(benchmarks)!;
        var credential = File.ReadAllText(Path.Combine(directory, "token"));
        var client = (HttpClient)server.GetType().GetMethod("CreateHttpClient")!.Invoke(server, [credential])!;
        var body = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\",\"audiences\":[\"api\"]}}";
        var uri = new Uri("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative);
        return () =>
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = client.PostAsync(uri, content).GetAwaiter().GetResult();
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            return text.Contains("\"authenticated\":true", StringComparison.Ordinal) ? true : throw new InvalidOperationException("the TokenReview did not authenticate: " + (int)response.StatusCode);
        };
    }

    private static T CompleteTask<T>(Task<T> pending) => pending.GetAwaiter().GetResult();

    private static T Complete<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private sealed class IsolatedContext(string name, AssemblyDependencyResolver resolver) : AssemblyLoadContext(name)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;

        protected override nint LoadUnmanagedDll(string unmanagedDllName) =>
            resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : 0;
    }
}
