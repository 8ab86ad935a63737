using System.Buffers.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Verifier.Diagnostics;

namespace Verifier;

internal sealed partial class TokenVerifier
{
    // Longer kids are logged cut to this length (a kid is not secret, but a log line must stay bounded).
    private const int MaxLoggedKeyIdLength = 128;

    [LoggerMessage(VerifierEventIds.TokenRejected, LogLevel.Debug, "Token {TokenHash} rejected: {Reason} ({Message}); kid {KeyId}, decided by {DecidedBy}", EventName = "TokenRejected")]
    private partial void LogTokenRejected(string tokenHash, VerificationFailureReason reason, string message, string? keyId, VerificationMode decidedBy);

    [LoggerMessage(VerifierEventIds.TokenAccepted, LogLevel.Debug, "Token {TokenHash} accepted for {Namespace}/{ServiceAccount}; kid {KeyId}, decided by {DecidedBy}", EventName = "TokenAccepted")]
    private partial void LogTokenAccepted(string tokenHash, string @namespace, string serviceAccount, string? keyId, VerificationMode decidedBy);

    /// <summary>Only with Debug logging on: the token's keyed hash is the same in every mode's lines, and its kid is read from the header.</summary>
    private void LogVerdict(TokenVerificationResult result, string? token)
    {
        var hash = string.IsNullOrEmpty(token) ? "-" : _hasher.Compute(token).ToShortString();
        if (result.Succeeded)
        {
            LogTokenAccepted(hash, result.Identity.Namespace, result.Identity.ServiceAccountName, result.Identity.KeyId ?? ReadKeyId(token), result.Mode);
        }
        else
        {
            LogTokenRejected(hash, result.Reason, result.Message ?? string.Empty, ReadKeyId(token), result.Mode);
        }
    }

    /// <summary>The header's <c>kid</c>, when the token has a readable one; null otherwise. Never throws.</summary>
    internal static string? ReadKeyId(string? token)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || dot > 4096)
        {
            return null;
        }

        Span<byte> json = stackalloc byte[Base64Url.GetMaxDecodedLength(dot)];
        if (Base64Url.DecodeFromChars(token.AsSpan(0, dot), json, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json[..written]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKeyId = reader.ValueTextEquals("kid"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isKeyId)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }

                    var keyId = reader.GetString()!;
                    return keyId.Length > MaxLoggedKeyIdLength ? keyId[..MaxLoggedKeyIdLength] + "…" : keyId;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no kid to log.
        }

        return null;
    }
}
