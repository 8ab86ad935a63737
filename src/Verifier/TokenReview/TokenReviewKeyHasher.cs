using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Verifier.TokenReview;

/// <summary>
/// Cache key of a token: HMAC-SHA256 under a per-process random key of (token, configured audiences), truncated to
/// 128 bits. Raw tokens are never kept as keys, and the hash is useless outside this process.
/// </summary>
/// <remarks>Interim: replaced by the core's keyed hash of the verified-token cache once that lands, so there is one hasher.</remarks>
internal sealed class TokenReviewKeyHasher
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _audienceSuffix;

    public TokenReviewKeyHasher(IOptions<KubernetesTokenVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // '\n' cannot occur in a compact JWS, so (token, audiences) pairs cannot collide by concatenation.
        _audienceSuffix = Encoding.UTF8.GetBytes("\n" + string.Join('\n', options.Value.Audiences));
    }

    public UInt128 Compute(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var length = Encoding.UTF8.GetMaxByteCount(token.Length) + _audienceSuffix.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= 2048 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, buffer);
            _audienceSuffix.CopyTo(buffer[written..]);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, buffer[..(written + _audienceSuffix.Length)], mac);
            return new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(mac), BinaryPrimitives.ReadUInt64LittleEndian(mac[8..]));
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
