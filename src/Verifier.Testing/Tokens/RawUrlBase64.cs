namespace Verifier.Testing.Tokens;

/// <summary>
/// Go's <c>base64.RawURLEncoding.DecodeString</c>: URL alphabet, no padding (so <c>=</c> fails), <c>\r</c> and
/// <c>\n</c> skipped wherever they are, lenient about the unused low bits of the last character.
/// </summary>
internal static class RawUrlBase64
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        var output = new byte[text.Length * 3 / 4];
        int acc = 0, bits = 0, n = 0, chars = 0;
        foreach (var c in text)
        {
            if (c is '\r' or '\n')
            {
                continue;
            }

            var v = c < 128 ? Alphabet.IndexOf(c, StringComparison.Ordinal) : -1;
            if (v < 0)
            {
                return false;
            }

            chars++;
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output[n++] = (byte)(acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }

        // A lone character in the last quantum carries less than a byte.
        if (chars % 4 == 1)
        {
            return false;
        }

        bytes = n == output.Length ? output : output[..n];
        return true;
    }

    /// <summary>Go's <c>base64.RawURLEncoding.EncodeToString</c>.</summary>
    public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
