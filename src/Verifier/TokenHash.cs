using System.Runtime.InteropServices;

namespace Verifier;

/// <summary>
/// A 32-byte keyed hash of a token (or of its signature segment) from <see cref="TokenHasher"/>: the key of every
/// cache, the binding key of a token without uids, and a log-safe token id. Raw tokens are never stored. HMAC output
/// is uniformly distributed, so its first bytes are a good hash code.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct TokenHash : IEquatable<TokenHash>
{
    public const int Size = 32;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <exception cref="ArgumentException">When <paramref name="hash"/> is not <see cref="Size"/> bytes.</exception>
    public TokenHash(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Size)
        {
            throw new ArgumentException($"A token hash is {Size} bytes.", nameof(hash));
        }

        var words = MemoryMarshal.Cast<byte, ulong>(hash);
        _a = words[0];
        _b = words[1];
        _c = words[2];
        _d = words[3];
    }

    public bool Equals(TokenHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is TokenHash other && Equals(other);

    public override int GetHashCode() => (int)_a;

    /// <summary>The first 8 hex digits: a short keyed hash that may appear in logs to correlate one token's lines.</summary>
    public string ToShortString() => ((uint)_a).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public static bool operator ==(TokenHash left, TokenHash right) => left.Equals(right);

    public static bool operator !=(TokenHash left, TokenHash right) => !left.Equals(right);
}
