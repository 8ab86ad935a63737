using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Verifier.Testing.Tokens;
using Verifier;

namespace Bench;

/// <summary>
/// The same RS256 verifications on one thread and on two: the time per operation should halve (≥ 1.7× the rate) when
/// nothing is shared but the immutable key set and the lock-free cache. The raw RSA verify and the raw HMAC of the
/// token, run the same way, show how far the machine and the crypto library scale on their own. The work runs on
/// long-lived worker threads, as a server's thread-pool threads are: a thread's first OpenSSL operations are slow, and
/// fresh threads per invocation made RSA look as if it did not scale at all.
/// </summary>
[MemoryDiagnoser]
public class LocalVerificationScalingBenchmarks
{
    private const int UncachedOperations = 400;
    private const int CachedOperations = 200_000;

    private string _token = null!;
    private IServiceAccountTokenVerifier _uncached = null!;
    private IServiceAccountTokenVerifier _cached = null!;
    private RSA _rsaPublic = null!;
    private byte[] _signingInput = null!;
    private byte[] _signature = null!;
    private byte[] _tokenBytes = null!;
    private byte[] _hmacKey = null!;

    private Thread[] _workers = [];
    private Barrier _start = null!;
    private Barrier _done = null!;
    private Action<int>? _work;
    private int _perThread;
    private volatile bool _stopping;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var key = SigningKey.CreateRsa(2048);
        _token = BenchTokens.Token(key);
        _uncached = BenchTokens.CreateVerifier(cache: false, key);
        _cached = BenchTokens.CreateVerifier(cache: true, key);
        _rsaPublic = RSA.Create(((RSA)key.Key).ExportParameters(false));
        var lastDot = _token.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(_token[..lastDot]);
        _signature = System.Buffers.Text.Base64Url.DecodeFromChars(_token.AsSpan(lastDot + 1));
        _tokenBytes = Encoding.ASCII.GetBytes(_token);
        _hmacKey = RandomNumberGenerator.GetBytes(32);
        if (!Verify(_uncached) || !Verify(_cached))
        {
            throw new InvalidOperationException("The token does not verify.");
        }

        _start = new Barrier(Threads + 1);
        _done = new Barrier(Threads + 1);
        _workers = new Thread[Threads];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true };
            _workers[i].Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }

    [Benchmark(OperationsPerInvoke = UncachedOperations, Description = "RS256 verify, no cache")]
    public void Uncached() => Run(_uncached, UncachedOperations);

    [Benchmark(OperationsPerInvoke = CachedOperations, Description = "RS256 verify, cache hit")]
    public void Cached() => Run(_cached, CachedOperations);

    [Benchmark(OperationsPerInvoke = UncachedOperations, Description = "raw RSA.VerifyData")]
    public void RawRsaVerify() => Run(count =>
    {
        for (var i = 0; i < count; i++)
        {
            _rsaPublic.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }, UncachedOperations);

    [Benchmark(OperationsPerInvoke = CachedOperations, Description = "raw HMAC-SHA256 of the token")]
    public void RawHmac() => Run(count =>
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _hmacKey);
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < count; i++)
        {
            hmac.AppendData(_tokenBytes);
            hmac.GetHashAndReset(hash);
        }
    }, CachedOperations);

    private void Run(IServiceAccountTokenVerifier verifier, int operations) => Run(count =>
    {
        for (var i = 0; i < count; i++)
        {
            if (!Verify(verifier))
            {
                throw new InvalidOperationException("verification failed");
            }
        }
    }, operations);

    // Hands the loop to the workers (each does an equal share) and waits until all are done.
    private void Run(Action<int> loop, int operations)
    {
        _work = loop;
        _perThread = operations / Threads;
        _start.SignalAndWait();
        _done.SignalAndWait();
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            _work!(_perThread);
            _done.SignalAndWait();
        }
    }

    private bool Verify(IServiceAccountTokenVerifier verifier)
    {
        var pending = verifier.VerifyAsync(_token);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Succeeded;
    }
}
