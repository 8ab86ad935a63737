namespace Verifier.Testing.Tokens;

/// <summary>
/// Go's <c>base64.RawURLEncoding.DecodeString</c>: URL alphabet, no padding (so <c>=</c> fails), lenient about
/// the unused low bits of the last character.
/// </summary>
internal static class RawUrlBase64
{
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1)
        {
            return false;
        }

        var output = new byte[text.Length * 3 / 4];
        int acc = 0, bits = 0, n = 0;
        foreach (var c in text)
        {
            int v = c switch
            {
                >= 'A' and <= 'Z' => c - 'A',
                >= 'a' and <= 'z' => c - 'a' + 26,
                >= '0' and <= '9' => c - '0' + 52,
                '-' => 62,
                '_' => 63,
                _ => -1,
            };
            if (v < 0)
            {
                return false;
            }

            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output[n++] = (byte)(acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }

        bytes = n == output.Length ? output : output[..n];
        return true;
    }
}
