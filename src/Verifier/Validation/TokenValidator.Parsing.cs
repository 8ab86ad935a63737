using System.Text;
using System.Text.Json;
using Verifier.Keys;

namespace Verifier.Validation;

internal sealed partial class TokenValidator
{
    /// <summary>Matched audiences remembered per token (more matches still count, only the first ones are reported).</summary>
    private const int MaxAudienceMatches = 32;

    // DateTimeOffset's range in Unix seconds; a date outside it cannot be represented and is malformed.
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    // Real headers and payloads nest two levels; hostile ones fail fast.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    private const int SeenIss = 1 << 0;
    private const int SeenSub = 1 << 1;
    private const int SeenAud = 1 << 2;
    private const int SeenExp = 1 << 3;
    private const int SeenNbf = 1 << 4;
    private const int SeenIat = 1 << 5;
    private const int SeenJti = 1 << 6;
    private const int SeenKubernetes = 1 << 7;
    private const int SeenLegacyNamespace = 1 << 8;
    private const int SeenLegacySecretName = 1 << 9;
    private const int SeenLegacyServiceAccountName = 1 << 10;
    private const int SeenLegacyServiceAccountUid = 1 << 11;
    private const int SeenNamespace = 1 << 12;
    private const int SeenServiceAccount = 1 << 13;
    private const int SeenPod = 1 << 14;
    private const int SeenSecret = 1 << 15;
    private const int SeenNode = 1 << 16;
    private const int SeenWarnAfter = 1 << 17;

    private static TokenVerificationResult? ParseHeader(ReadOnlySpan<byte> json, out JwsAlgorithm algorithm, out int kidStart, out int kidLength, out string? kidEscaped)
    {
        algorithm = JwsAlgorithm.None;
        kidStart = 0;
        kidLength = 0;
        kidEscaped = null;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ValidationFailures.HeaderJson;
            }

            var seenAlgorithm = false;
            var seenKid = false;
            TokenVerificationResult? algorithmFailure = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    if (seenAlgorithm)
                    {
                        return ValidationFailures.HeaderDuplicate;
                    }

                    seenAlgorithm = true;
                    reader.Read();
                    algorithmFailure = ReadAlgorithm(ref reader, out algorithm);
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    if (seenKid)
                    {
                        return ValidationFailures.HeaderDuplicate;
                    }

                    seenKid = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        if (reader.ValueIsEscaped)
                        {
                            kidEscaped = reader.GetString();
                        }
                        else
                        {
                            kidStart = (int)reader.TokenStartIndex + 1;
                            kidLength = reader.ValueSpan.Length;
                        }
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return ValidationFailures.HeaderKeyIdType;
                    }
                }
                else if (reader.ValueTextEquals("jwk"u8) || reader.ValueTextEquals("jku"u8) || reader.ValueTextEquals("x5u"u8) || reader.ValueTextEquals("x5c"u8))
                {
                    // Keys come from the key set only, never from the token itself.
                    return ValidationFailures.EmbeddedKey;
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    // RFC 7515 §4.1.11: extensions we do not understand make the token invalid.
                    return ValidationFailures.Critical;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ValidationFailures.HeaderJson;
            }

            return seenAlgorithm ? algorithmFailure : ValidationFailures.HeaderNoAlgorithm;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ValidationFailures.HeaderJson;
        }
    }

    private static TokenVerificationResult? ReadAlgorithm(ref Utf8JsonReader reader, out JwsAlgorithm algorithm)
    {
        algorithm = JwsAlgorithm.None;
        if (reader.TokenType != JsonTokenType.String)
        {
            return ValidationFailures.AlgorithmOther;
        }

        if (reader.ValueTextEquals("RS256"u8))
        {
            algorithm = JwsAlgorithm.RS256;
        }
        else if (reader.ValueTextEquals("ES256"u8))
        {
            algorithm = JwsAlgorithm.ES256;
        }
        else if (reader.ValueTextEquals("ES384"u8))
        {
            algorithm = JwsAlgorithm.ES384;
        }
        else if (reader.ValueTextEquals("ES512"u8))
        {
            algorithm = JwsAlgorithm.ES512;
        }
        else if (!reader.ValueIsEscaped && Ascii.EqualsIgnoreCase(reader.ValueSpan, "none"u8))
        {
            return ValidationFailures.AlgorithmNone;
        }
        else if (!reader.ValueIsEscaped && reader.ValueSpan.Length == 5 && Ascii.EqualsIgnoreCase(reader.ValueSpan[..2], "HS"u8))
        {
            return ValidationFailures.AlgorithmHmac;
        }
        else
        {
            return ValidationFailures.AlgorithmOther;
        }

        return null;
    }

    private TokenVerificationResult? ParseClaims(ReadOnlySpan<byte> json, KeySetSnapshot keys, Span<byte> audienceMatches, ref TokenClaims claims)
    {
        claims.IssuerIndex = TokenClaims.IssuerAbsent;
        claims.SubjectStart = -1;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ValidationFailures.PayloadJson;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = PropertyName(ref reader);
                reader.Read();
                if (!ReadClaim(name, ref reader, keys, audienceMatches, ref claims))
                {
                    return ValidationFailures.ClaimType;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ValidationFailures.PayloadJson;
            }

            return null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ValidationFailures.PayloadJson;
        }
    }

    private bool ReadClaim(scoped ReadOnlySpan<byte> name, ref Utf8JsonReader reader, KeySetSnapshot keys, Span<byte> audienceMatches, ref TokenClaims claims)
    {
        switch (name.Length)
        {
            case 3:
                if (name.SequenceEqual("iss"u8))
                {
                    return FirstTime(ref claims, SeenIss) && ReadIssuer(ref reader, keys, ref claims);
                }

                if (name.SequenceEqual("aud"u8))
                {
                    return FirstTime(ref claims, SeenAud) && ReadAudience(ref reader, audienceMatches, ref claims);
                }

                if (name.SequenceEqual("exp"u8))
                {
                    return FirstTime(ref claims, SeenExp) && TryGetNumericDate(ref reader, out claims.Expires);
                }

                if (name.SequenceEqual("iat"u8))
                {
                    return FirstTime(ref claims, SeenIat) && TryGetNumericDate(ref reader, out claims.IssuedAt);
                }

                if (name.SequenceEqual("nbf"u8))
                {
                    return FirstTime(ref claims, SeenNbf) && TryGetNumericDate(ref reader, out claims.NotBefore);
                }

                if (name.SequenceEqual("sub"u8))
                {
                    return FirstTime(ref claims, SeenSub) && ReadSubject(ref reader, ref claims);
                }

                if (name.SequenceEqual("jti"u8))
                {
                    return FirstTime(ref claims, SeenJti) && TryGetString(ref reader, out claims.TokenId);
                }

                break;
            case 13:
                if (name.SequenceEqual("kubernetes.io"u8))
                {
                    return FirstTime(ref claims, SeenKubernetes) && ReadKubernetesClaim(ref reader, ref claims);
                }

                break;
            default:
                if (name.StartsWith("kubernetes.io/serviceaccount/"u8))
                {
                    var legacy = name["kubernetes.io/serviceaccount/"u8.Length..];
                    if (legacy.SequenceEqual("namespace"u8))
                    {
                        return FirstTime(ref claims, SeenLegacyNamespace) && TryGetString(ref reader, out claims.LegacyNamespace);
                    }

                    if (legacy.SequenceEqual("secret.name"u8))
                    {
                        return FirstTime(ref claims, SeenLegacySecretName) && TryGetString(ref reader, out claims.LegacySecretName);
                    }

                    if (legacy.SequenceEqual("service-account.name"u8))
                    {
                        return FirstTime(ref claims, SeenLegacyServiceAccountName) && TryGetString(ref reader, out claims.LegacyServiceAccountName);
                    }

                    if (legacy.SequenceEqual("service-account.uid"u8))
                    {
                        return FirstTime(ref claims, SeenLegacyServiceAccountUid) && TryGetString(ref reader, out claims.LegacyServiceAccountUid);
                    }
                }

                break;
        }

        reader.Skip();
        return true;
    }

    private static bool ReadIssuer(ref Utf8JsonReader reader, KeySetSnapshot keys, ref TokenClaims claims)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (reader.ValueTextEquals(LegacyIssuer))
        {
            claims.IssuerIndex = TokenClaims.IssuerLegacy;
            return true;
        }

        var issuers = keys.IssuersUtf8;
        for (var i = 0; i < issuers.Length; i++)
        {
            if (reader.ValueTextEquals(issuers[i]))
            {
                claims.IssuerIndex = i;
                return true;
            }
        }

        claims.IssuerIndex = reader.ValueSpan.IsEmpty ? TokenClaims.IssuerAbsent : TokenClaims.IssuerUnknown;
        return true;
    }

    private bool ReadAudience(ref Utf8JsonReader reader, Span<byte> matches, ref TokenClaims claims)
    {
        // RFC 7519 §4.1.3: a string or an array of strings (kube-apiserver always writes an array).
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                MatchAudience(ref reader, matches, ref claims);
                return true;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    MatchAudience(ref reader, matches, ref claims);
                }

                return true;
            default:
                return false;
        }
    }

    private void MatchAudience(ref Utf8JsonReader reader, Span<byte> matches, ref TokenClaims claims)
    {
        var audiences = _audiencesUtf8;
        for (var i = 0; i < audiences.Length; i++)
        {
            if (reader.ValueTextEquals(audiences[i]))
            {
                if (claims.AudienceMatchCount < matches.Length)
                {
                    matches[claims.AudienceMatchCount] = (byte)i;
                }

                claims.AudienceMatchCount++;
                return;
            }
        }
    }

    private static bool ReadSubject(ref Utf8JsonReader reader, ref TokenClaims claims)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String when reader.ValueSpan.IsEmpty:
                return true;
            case JsonTokenType.String when reader.ValueIsEscaped:
                claims.SubjectEscaped = reader.GetString();
                return true;
            case JsonTokenType.String:
                // Remember where it is instead of allocating it: only compared, never returned.
                claims.SubjectStart = (int)reader.TokenStartIndex + 1;
                claims.SubjectLength = reader.ValueSpan.Length;
                return true;
            default:
                return false;
        }
    }

    private static bool ReadKubernetesClaim(ref Utf8JsonReader reader, ref TokenClaims claims)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        claims.HasKubernetesClaim = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref reader);
            reader.Read();
            bool ok;
            if (name.SequenceEqual("namespace"u8))
            {
                ok = FirstTime(ref claims, SeenNamespace) && TryGetString(ref reader, out claims.Namespace);
            }
            else if (name.SequenceEqual("serviceaccount"u8))
            {
                ok = FirstTime(ref claims, SeenServiceAccount) && ReadObjectReference(ref reader, out claims.ServiceAccountName, out claims.ServiceAccountUid);
            }
            else if (name.SequenceEqual("pod"u8))
            {
                ok = FirstTime(ref claims, SeenPod) && ReadObjectReference(ref reader, out claims.PodName, out claims.PodUid);
            }
            else if (name.SequenceEqual("node"u8))
            {
                ok = FirstTime(ref claims, SeenNode) && ReadObjectReference(ref reader, out claims.NodeName, out claims.NodeUid);
            }
            else if (name.SequenceEqual("secret"u8))
            {
                ok = FirstTime(ref claims, SeenSecret) && ReadObjectReference(ref reader, out claims.SecretName, out claims.SecretUid);
            }
            else if (name.SequenceEqual("warnafter"u8))
            {
                ok = FirstTime(ref claims, SeenWarnAfter) && TryGetNumericDate(ref reader, out claims.WarnAfter);
            }
            else
            {
                reader.Skip();
                ok = true;
            }

            if (!ok)
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary><c>{"name":…,"uid":…}</c> (kube's <c>ref</c>); other members are ignored.</summary>
    private static bool ReadObjectReference(ref Utf8JsonReader reader, out string? name, out string? uid)
    {
        name = null;
        uid = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var seenName = false;
        var seenUid = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                if (seenName || !TryGetString(ref reader, out name))
                {
                    return false;
                }

                seenName = true;
            }
            else if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                if (seenUid || !TryGetString(ref reader, out uid))
                {
                    return false;
                }

                seenUid = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool FirstTime(ref TokenClaims claims, int bit)
    {
        if ((claims.Seen & bit) != 0)
        {
            return false;
        }

        claims.Seen |= bit;
        return true;
    }

    private static bool TryGetString(ref Utf8JsonReader reader, out string? value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                value = null;
                return true;
            case JsonTokenType.String:
                value = reader.ValueSpan.IsEmpty ? null : reader.GetString();
                return true;
            default:
                value = null;
                return false;
        }
    }

    /// <summary>
    /// go-jose NumericDate: a JSON number of seconds, fractions truncated; null is absent. Values outside
    /// DateTimeOffset's range are malformed.
    /// </summary>
    private static bool TryGetNumericDate(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        long seconds;
        if (reader.TryGetInt64(out var integer))
        {
            seconds = integer;
        }
        else if (reader.TryGetDouble(out var real) && double.IsFinite(real) && real >= MinUnixSeconds && real <= MaxUnixSeconds)
        {
            seconds = (long)Math.Truncate(real);
        }
        else
        {
            return false;
        }

        if (seconds is < MinUnixSeconds or > MaxUnixSeconds)
        {
            return false;
        }

        value = seconds;
        return true;
    }

    private static ReadOnlySpan<byte> PropertyName(ref Utf8JsonReader reader) =>
        // Real tokens never escape claim names; a hostile one pays for an allocation, not for a wrong match.
        reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
}
