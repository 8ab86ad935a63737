using BenchmarkDotNet.Attributes;
using Verifier;
using Verifier.Testing.Tokens;
using Verifier.Validation;

namespace Bench;

/// <summary>
/// The same RS256 verifications on one thread and on two: the time per operation should halve (≥ 1.7× the rate) when
/// nothing is shared but the immutable key set and the lock-free cache.
/// </summary>
[MemoryDiagnoser]
public class LocalVerificationScalingBenchmarks
{
    private const int UncachedOperations = 400;
    private const int CachedOperations = 200_000;

    private string _token = null!;
    private LocalTokenVerifier _uncached = null!;
    private LocalTokenVerifier _cached = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var key = SigningKey.CreateRsa(2048);
        _token = BenchTokens.Token(key);
        _uncached = BenchTokens.CreateVerifier(cache: false, key);
        _cached = BenchTokens.CreateVerifier(cache: true, key);
        if (!Verify(_uncached) || !Verify(_cached))
        {
            throw new InvalidOperationException("The token does not verify.");
        }
    }

    [Benchmark(OperationsPerInvoke = UncachedOperations, Description = "RS256 verify, no cache")]
    public void Uncached() => Run(_uncached, UncachedOperations);

    [Benchmark(OperationsPerInvoke = CachedOperations, Description = "RS256 verify, cache hit")]
    public void Cached() => Run(_cached, CachedOperations);

    private void Run(LocalTokenVerifier verifier, int operations)
    {
        if (Threads == 1)
        {
            Loop(verifier, operations);
            return;
        }

        var perThread = operations / Threads;
        var threads = new Thread[Threads];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() => Loop(verifier, perThread));
            threads[i].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }
    }

    private void Loop(LocalTokenVerifier verifier, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!Verify(verifier))
            {
                throw new InvalidOperationException("verification failed");
            }
        }
    }

    private bool Verify(LocalTokenVerifier verifier)
    {
        var pending = verifier.VerifyAsync(_token);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Succeeded;
    }
}
