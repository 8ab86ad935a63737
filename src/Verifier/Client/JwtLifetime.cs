using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Verifier.Client;

/// <summary>
/// Reads <c>iat</c> and <c>exp</c> from a JWT's payload without verifying it: a client only needs to know when its own
/// token runs out. Not a validator.
/// </summary>
internal static class JwtLifetime
{
    private const int MaxPayloadChars = 64 * 1024;

    /// <returns>False when <paramref name="token"/> is not a three-part JWS with a JSON object payload holding a numeric <c>exp</c>.</returns>
    public static bool TryRead(string token, out DateTimeOffset? issuedAt, out DateTimeOffset expiresAt)
    {
        issuedAt = null;
        expiresAt = default;
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (second < 0 || token.IndexOf('.', second + 1) >= 0 || second - first - 1 > MaxPayloadChars)
        {
            return false;
        }

        var payloadChars = token.AsSpan(first + 1, second - first - 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payloadChars.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payloadChars, buffer, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            return TryReadClaims(buffer.AsSpan(0, written), out issuedAt, out expiresAt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryReadClaims(ReadOnlySpan<byte> json, out DateTimeOffset? issuedAt, out DateTimeOffset expiresAt)
    {
        issuedAt = null;
        expiresAt = default;
        var found = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExp = reader.ValueTextEquals("exp"u8);
                var isIat = !isExp && reader.ValueTextEquals("iat"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if ((isExp || isIat) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds)
                    && seconds is >= 0 and <= 253402300799)
                {
                    if (isExp)
                    {
                        expiresAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
                        found = true;
                    }
                    else
                    {
                        issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return found;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
