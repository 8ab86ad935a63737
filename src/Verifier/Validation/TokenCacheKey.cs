using System.Runtime.InteropServices;

namespace Verifier.Validation;

/// <summary>
/// The 32-byte HMAC-SHA256 of a token (keyed per process, see <see cref="VerifiedTokenCache"/>): the cache's key,
/// so the raw token is never stored. HMAC output is uniformly distributed, so its first bytes are a good hash code.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct TokenCacheKey : IEquatable<TokenCacheKey>
{
    public const int Size = 32;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <exception cref="ArgumentException">When <paramref name="hash"/> is not <see cref="Size"/> bytes.</exception>
    public TokenCacheKey(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Size)
        {
            throw new ArgumentException($"A cache key is {Size} bytes.", nameof(hash));
        }

        var words = MemoryMarshal.Cast<byte, ulong>(hash);
        _a = words[0];
        _b = words[1];
        _c = words[2];
        _d = words[3];
    }

    public bool Equals(TokenCacheKey other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is TokenCacheKey other && Equals(other);

    public override int GetHashCode() => (int)_a;

    /// <summary>The first 8 hex digits: a short keyed hash that may appear in logs to correlate one token's lines.</summary>
    public string ToShortString() => ((uint)_a).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public static bool operator ==(TokenCacheKey left, TokenCacheKey right) => left.Equals(right);

    public static bool operator !=(TokenCacheKey left, TokenCacheKey right) => !left.Equals(right);
}
