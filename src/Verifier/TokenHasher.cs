using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Verifier;

/// <summary>
/// The one keyed hash of the library: HMAC-SHA256 under a random key drawn once per verifier (per DI container),
/// folded with the configured audiences, so a hash identifies (token, audiences) and reveals nothing about the token.
/// The result cache, the TokenReview cache, hybrid's per-token binding keys and every log line use it, so one token
/// has one short id in every mode's logs.
/// </summary>
/// <remarks>
/// One keyed HMAC state per thread: the one-shot <c>HMACSHA256.HashData</c> fetches the algorithm from OpenSSL 3 on
/// every call (slower, and a global lock that stops two threads from scaling); a reused <see cref="IncrementalHash"/>
/// only resets. Deliberately not disposable: a verification in flight while the host stops must not fault on a
/// disposed hash; the native contexts are released by their finalizers when the hasher is collected.
/// </remarks>
#pragma warning disable CA1001 // Not disposable on purpose: see the remarks.
internal sealed class TokenHasher
#pragma warning restore CA1001
{
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public TokenHasher(IOptions<KubernetesTokenVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var audienceBytes = new List<byte>();
        foreach (var audience in options.Value.Audiences)
        {
            var bytes = Encoding.UTF8.GetBytes(audience);
            audienceBytes.AddRange(BitConverter.GetBytes(bytes.Length));
            audienceBytes.AddRange(bytes);
        }

        var key = HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), audienceBytes.ToArray());
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    /// <summary>The keyed hash of all of <paramref name="bytes"/>.</summary>
    public TokenHash Compute(ReadOnlySpan<byte> bytes)
    {
        var hmac = _hmac.Value!;
        hmac.AppendData(bytes);
        Span<byte> hash = stackalloc byte[TokenHash.Size];
        hmac.GetHashAndReset(hash);
        return new TokenHash(hash);
    }

    /// <summary>The keyed hash of the signature segment of <paramref name="token"/> (all of it when it has no dot): the result cache's key.</summary>
    public TokenHash ComputeOfSignature(ReadOnlySpan<byte> token) => Compute(token[(token.LastIndexOf((byte)'.') + 1)..]);

    /// <summary>The keyed hash of <paramref name="token"/>'s UTF-8 bytes (one byte per char for a real token).</summary>
    public TokenHash Compute(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        Span<byte> buffer = length <= 2048 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, buffer);
            return Compute(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }
}
