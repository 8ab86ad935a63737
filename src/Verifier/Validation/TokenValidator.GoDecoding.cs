using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Verifier.Validation;

/// <summary>
/// The slow paths that make unusual tokens decode as kube-apiserver decodes them (docs/kube-apiserver.md §9.3):
/// Go's base64 (skips <c>\r</c>/<c>\n</c>, ignores the unused bits of the last character) and Go's JSON strings
/// (invalid UTF-8 and lone surrogate escapes become U+FFFD). Ordinary tokens never get here.
/// </summary>
internal sealed partial class TokenValidator
{
    // Value of each base64url character, or -1 (the dot and everything else).
    private static readonly sbyte[] Base64UrlValues = BuildBase64UrlValues();

    /// <summary>
    /// Whether the last character of a base64url segment sets bits that decoding drops. Go ignores them, and go-jose
    /// verifies the signature over the re-encoded (canonical) header and payload, so such a token must be checked
    /// against its canonical form (docs/kube-apiserver.md §9.3).
    /// </summary>
    private static bool HasUnusedBits(ReadOnlySpan<byte> segment)
    {
        var mask = (segment.Length & 3) switch { 2 => 0x0F, 3 => 0x03, _ => 0 };
        return mask != 0 && (Base64UrlValues[segment[^1]] & mask) != 0;
    }

    /// <summary>
    /// Writes the token as go-jose sees it: without <c>\r</c> and <c>\n</c> (Go's base64 decoder skips them anywhere)
    /// and with the unused bits of each segment's last character cleared (what re-encoding the decoded bytes gives).
    /// False when another character is not base64url or '.', with the failure to report.
    /// </summary>
    private static bool TryCanonicalize(ReadOnlySpan<byte> token, Span<byte> destination, out int written, out TokenVerificationResult? failure)
    {
        written = 0;
        failure = null;
        var segmentStart = 0;
        foreach (var b in token)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            if (b == (byte)'.')
            {
                ClearUnusedBits(destination[segmentStart..written]);
                destination[written++] = b;
                segmentStart = written;
                continue;
            }

            if (b >= 128 || Base64UrlValues[b] < 0)
            {
                // go-jose v4 refuses spaces and tabs (only go-jose v2 stripped them): see the README's fidelity list.
                failure = b == (byte)'=' ? ValidationFailures.Padding : ValidationFailures.BadCharacter;
                return false;
            }

            destination[written++] = b;
        }

        ClearUnusedBits(destination[segmentStart..written]);
        if (written == 0)
        {
            failure = ValidationFailures.Empty;
            return false;
        }

        return true;
    }

    private static void ClearUnusedBits(Span<byte> segment)
    {
        var mask = (segment.Length & 3) switch { 2 => 0x0F, 3 => 0x03, _ => 0 };
        if (mask != 0)
        {
            segment[^1] = (byte)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8[Base64UrlValues[segment[^1]] & ~mask];
        }
    }

    /// <summary>
    /// Whether Go would read a string of this JSON differently from System.Text.Json: invalid UTF-8 or a lone
    /// surrogate escape (<c>\ud800</c>). Both are refused by Utf8JsonReader, while Go substitutes U+FFFD.
    /// </summary>
    private static bool NeedsGoStrings(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return true;
        }

        var at = json.IndexOf((byte)'\\');
        while (at >= 0 && at + 1 < json.Length)
        {
            if (json[at + 1] == (byte)'u' && TryHex4(json[(at + 2)..], out var unit) && char.IsSurrogate((char)unit))
            {
                if (!IsSurrogatePairAt(json, at, unit))
                {
                    return true;
                }

                at += 6;
            }

            var next = json[(at + 2)..].IndexOf((byte)'\\');
            at = next < 0 ? -1 : at + 2 + next;
        }

        return false;
    }

    /// <summary>
    /// Rewrites <paramref name="json"/> as Go's decoder reads it: each byte of an invalid UTF-8 sequence becomes U+FFFD
    /// (Go's utf8.DecodeRune consumes one byte per error, unlike .NET's maximal-subpart replacement), and each
    /// surrogate escape without its partner becomes <c>\ufffd</c>. Structure and everything else are copied unchanged.
    /// </summary>
    /// <returns>The rewritten JSON in a rented array (return it to <see cref="ArrayPool{T}.Shared"/>) and its length.</returns>
    private static (byte[] Buffer, int Length) ToGoStrings(ReadOnlySpan<byte> json)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((json.Length * 3) + 8);
        var written = 0;
        var i = 0;
        while (i < json.Length)
        {
            var b = json[i];
            if (b == (byte)'\\' && i + 1 < json.Length)
            {
                if (json[i + 1] == (byte)'u' && TryHex4(json[(i + 2)..], out var unit) && char.IsSurrogate((char)unit))
                {
                    if (IsSurrogatePairAt(json, i, unit))
                    {
                        json.Slice(i, 12).CopyTo(buffer.AsSpan(written));
                        written += 12;
                        i += 12;
                    }
                    else
                    {
                        "\\ufffd"u8.CopyTo(buffer.AsSpan(written));
                        written += 6;
                        i += 6;
                    }

                    continue;
                }

                buffer[written++] = b;
                buffer[written++] = json[i + 1];
                i += 2;
                continue;
            }

            if (b < 0x80)
            {
                buffer[written++] = b;
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf8(json[i..], out _, out var consumed) == OperationStatus.Done)
            {
                json.Slice(i, consumed).CopyTo(buffer.AsSpan(written));
                written += consumed;
                i += consumed;
            }
            else
            {
                "\uFFFD"u8.CopyTo(buffer.AsSpan(written));
                written += 3;
                i++;
            }
        }

        return (buffer, written);
    }

    /// <summary>Go's utf16.DecodeRune test: a high surrogate escape directly followed by a low surrogate escape.</summary>
    private static bool IsSurrogatePairAt(ReadOnlySpan<byte> json, int at, int unit) =>
        char.IsHighSurrogate((char)unit)
        && at + 12 <= json.Length
        && json[at + 6] == (byte)'\\'
        && json[at + 7] == (byte)'u'
        && TryHex4(json[(at + 8)..], out var low)
        && char.IsLowSurrogate((char)low);

    private static bool TryHex4(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.Length < 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            var digit = HexDigit(text[i]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static sbyte[] BuildBase64UrlValues()
    {
        var values = new sbyte[256];
        Array.Fill(values, (sbyte)-1);
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8;
        for (var i = 0; i < alphabet.Length; i++)
        {
            values[alphabet[i]] = (sbyte)i;
        }

        return values;
    }
}
