using System.Buffers;
using System.Text;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.Validation;

namespace Verifier.TokenReview;

/// <summary>
/// Cache key of a token for the TokenReview and hybrid caches: the core's keyed hash (<see cref="VerifiedTokenCache.ComputeKey"/>,
/// HMAC-SHA256 under a per-process random key folded with the configured audiences), so raw tokens are never kept
/// and there is one hashing scheme in the library. Only the hashing of its own instance is used, never its entries.
/// </summary>
internal sealed class TokenReviewKeyHasher : IDisposable
{
    private readonly VerifiedTokenCache _hasher;

    public TokenReviewKeyHasher(IOptions<KubernetesTokenVerifierOptions> options, VerifierMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _hasher = new VerifiedTokenCache(1, [.. options.Value.Audiences], metrics);
    }

    public TokenCacheKey Compute(string token)
    {
        ArgumentNullException.ThrowIfNull(token);

        // Tokens are ASCII, so this is one byte per char; UTF-8 keeps any other input well defined.
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        Span<byte> buffer = length <= 2048 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, buffer);
            return _hasher.ComputeKey(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    public void Dispose() => _hasher.Dispose();
}
