using System.Text;

namespace Verifier.Testing.Tokens;

/// <summary>
/// JSON text as Go's decoders read its strings: every byte of an invalid UTF-8 sequence becomes U+FFFD (one per
/// byte, as utf8.DecodeRune reports errors) and a <c>\uXXXX</c> surrogate without its partner becomes <c>\ufffd</c>.
/// System.Text.Json refuses both, so the emulator repairs the text first and then parses it normally.
/// </summary>
internal static class GoText
{
    public static byte[] Repair(byte[] json)
    {
        var output = new List<byte>(json.Length + 16);
        var i = 0;
        while (i < json.Length)
        {
            var b = json[i];
            if (b == '\\' && i + 1 < json.Length)
            {
                if (json[i + 1] == 'u' && Hex(json, i + 2) is int unit && unit is >= 0xD800 and <= 0xDFFF)
                {
                    var paired = unit <= 0xDBFF && i + 11 < json.Length && json[i + 6] == '\\' && json[i + 7] == 'u'
                        && Hex(json, i + 8) is int low && low is >= 0xDC00 and <= 0xDFFF;
                    if (paired)
                    {
                        output.AddRange(json.AsSpan(i, 12));
                        i += 12;
                    }
                    else
                    {
                        output.AddRange("\\ufffd"u8);
                        i += 6;
                    }

                    continue;
                }

                output.Add(b);
                output.Add(json[i + 1]);
                i += 2;
                continue;
            }

            var length = SequenceLength(json, i);
            if (length == 0)
            {
                output.AddRange("\uFFFD"u8);
                i++;
            }
            else
            {
                output.AddRange(json.AsSpan(i, length));
                i += length;
            }
        }

        return [.. output];
    }

    /// <summary>The length of the well-formed UTF-8 sequence at <paramref name="i"/> (Unicode Table 3-7), or 0.</summary>
    private static int SequenceLength(byte[] s, int i)
    {
        var b = s[i];
        if (b < 0x80)
        {
            return 1;
        }

        var (length, low, high) = b switch
        {
            >= 0xC2 and <= 0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            >= 0xE1 and <= 0xEC or 0xEE or 0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            >= 0xF1 and <= 0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => (0, 0, 0),
        };
        if (length == 0 || i + length > s.Length || s[i + 1] < low || s[i + 1] > high)
        {
            return 0;
        }

        for (var k = 2; k < length; k++)
        {
            if (s[i + k] is < 0x80 or > 0xBF)
            {
                return 0;
            }
        }

        return length;
    }

    private static int? Hex(byte[] s, int at)
    {
        if (at + 4 > s.Length)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(s, at, 4);
        return int.TryParse(text, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
