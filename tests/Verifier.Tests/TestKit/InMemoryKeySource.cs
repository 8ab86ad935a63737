using Verifier.Keys;

namespace Verifier.Tests.TestKit;

/// <summary>
/// A key source for key-store and verifier logic tests: serves <see cref="Jwks"/>, counts fetches, can fail or
/// hold a fetch until released. HTTP behaviour is tested against a real HTTPS server elsewhere.
/// </summary>
internal sealed class InMemoryKeySource : IKeySource
{
    private int _fetchCount;

    public string Jwks { get; set; } = KubeTokens.Jwks(KubeTokens.Rsa);

    public string? Issuer { get; set; } = KubeTokens.Issuer;

    /// <summary>When set, fetches throw it.</summary>
    public Exception? Failure { get; set; }

    /// <summary>When set, fetches wait for it (or for the fetch's own cancellation).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int FetchCount => Volatile.Read(ref _fetchCount);

    public string Description => "in-memory";

    public async Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetchCount);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Failure is { } failure)
        {
            throw failure;
        }

        var (keys, skipped) = JwksParser.Parse(Jwks);
        return new KeyMaterial(Issuer, keys, skipped, "memory://jwks");
    }

    public IDisposable? Watch(Action onChange) => null;
}
