using System.Text;
using System.Text.Json;
using Verifier.Keys;

namespace Verifier.Validation;

internal sealed partial class TokenValidator
{

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

    // docs/kube-apiserver.md §9.1: a kid is opaque, chosen by the signer, at most 1 024 characters. Never truncated;
    // a longer one can name no published key, and is refused before it could cost an unknown-kid refresh.
    internal const int MaxKeyIdLength = 1024;

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
            var seenB64 = false;
            var fullDuplicateCheck = false;
            Span<int> otherNames = stackalloc int[2 * MaxTrackedNames];
            var otherCount = 0;
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
                            if (kidEscaped!.Length > MaxKeyIdLength)
                            {
                                return ValidationFailures.HeaderKeyIdTooLong;
                            }
                        }
                        else
                        {
                            kidStart = (int)reader.TokenStartIndex + 1;
                            kidLength = reader.ValueSpan.Length;

                            // Bytes ≥ characters: count characters only for a long value.
                            if (kidLength > MaxKeyIdLength && System.Text.Encoding.UTF8.GetCharCount(reader.ValueSpan) > MaxKeyIdLength)
                            {
                                return ValidationFailures.HeaderKeyIdTooLong;
                            }
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
                else if (reader.ValueTextEquals("b64"u8))
                {
                    if (seenB64)
                    {
                        return ValidationFailures.HeaderDuplicate;
                    }

                    seenB64 = true;
                    reader.Read();

                    // RFC 7797: with "b64": false go-jose verifies over the raw payload, not its base64url
                    // (docs/kube-apiserver.md §9.3). Never issued by Kubernetes; refused rather than verified another way.
                    // go-jose ignores a b64 that is not a boolean, and so do we.
                    if (reader.TokenType == JsonTokenType.False)
                    {
                        return ValidationFailures.UnencodedPayload;
                    }

                    reader.Skip();
                }
                else
                {
                    // go-jose refuses a repeated member anywhere in the header: it decodes unknown members too
                    // (docs/kube-apiserver.md §9.3).
                    var name = TrackName(reader.ValueSpan, (int)reader.TokenStartIndex + 1, reader.ValueIsEscaped, json, otherNames, ref otherCount);
                    if (name == NameCheck.Duplicate)
                    {
                        return ValidationFailures.HeaderDuplicate;
                    }

                    reader.Read();
                    if (name == NameCheck.CannotTell || reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        fullDuplicateCheck = true;
                    }

                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ValidationFailures.HeaderJson;
            }

            if (fullDuplicateCheck && HasDuplicateMembers(json, PayloadScope.Everywhere, out _))
            {
                return ValidationFailures.HeaderDuplicate;
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

    private TokenVerificationResult? ParseClaims(ReadOnlySpan<byte> json, KeySetSnapshot keys, ref TokenClaims claims)
    {
        claims.IssuerIndex = TokenClaims.IssuerAbsent;
        claims.PreCheckIssuerIndex = TokenClaims.IssuerAbsent;
        claims.SubjectStart = -1;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ValidationFailures.PayloadJson;
            }

            Span<int> otherNames = stackalloc int[2 * MaxTrackedNames];
            var otherCount = 0;
            var fullDuplicateCheck = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var escaped = reader.ValueIsEscaped;
                var nameStart = (int)reader.TokenStartIndex + 1;
                var name = PropertyName(ref reader);
                reader.Read();
                var claim = ReadClaim(name, nameStart, escaped, ref reader, keys, ref claims, ref fullDuplicateCheck, otherNames, ref otherCount, json);
                if (claim is not null)
                {
                    return claim;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ValidationFailures.PayloadJson;
            }

            if (fullDuplicateCheck && HasDuplicateMembers(json, PayloadScope.GoJoseClaims, out var inBoundClaims))
            {
                if (!inBoundClaims)
                {
                    return ValidationFailures.DuplicateMember;
                }

                claims.BoundClaimsInvalid = true;
            }

            return null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ValidationFailures.PayloadJson;
        }
    }

    /// <summary>
    /// One top-level member, positioned on its name. Null to go on, or the failure: a repeated member or a
    /// standard claim (iss, sub, aud, exp, nbf, iat, jti) of the wrong type fails both of kube's validators. A private
    /// claim of the wrong type only flags the validator that decodes it (docs/kube-apiserver.md §9.2).
    /// </summary>
    private TokenVerificationResult? ReadClaim(scoped ReadOnlySpan<byte> name, int nameStart, bool escaped, ref Utf8JsonReader reader, KeySetSnapshot keys, ref TokenClaims claims, ref bool fullDuplicateCheck, scoped Span<int> otherNames, ref int otherCount, ReadOnlySpan<byte> json)
    {
        switch (name.Length)
        {
            case 3:
                if (name.SequenceEqual("iss"u8))
                {
                    return Standard(FirstTime(ref claims, SeenIss), ReadIssuer(ref reader, keys, ref claims));
                }

                if (name.SequenceEqual("aud"u8))
                {
                    return Standard(FirstTime(ref claims, SeenAud), ReadAudience(ref reader, ref claims));
                }

                if (name.SequenceEqual("exp"u8))
                {
                    return Standard(FirstTime(ref claims, SeenExp), TryGetNumericDate(ref reader, out claims.Expires));
                }

                if (name.SequenceEqual("iat"u8))
                {
                    return Standard(FirstTime(ref claims, SeenIat), TryGetNumericDate(ref reader, out claims.IssuedAt));
                }

                if (name.SequenceEqual("nbf"u8))
                {
                    return Standard(FirstTime(ref claims, SeenNbf), TryGetNumericDate(ref reader, out claims.NotBefore));
                }

                if (name.SequenceEqual("sub"u8))
                {
                    return Standard(FirstTime(ref claims, SeenSub), ReadSubject(ref reader, ref claims));
                }

                if (name.SequenceEqual("jti"u8))
                {
                    return Standard(FirstTime(ref claims, SeenJti), TryGetString(ref reader, out claims.TokenId));
                }

                break;
            case 13:
                if (name.SequenceEqual("kubernetes.io"u8))
                {
                    if (!FirstTime(ref claims, SeenKubernetes))
                    {
                        return ValidationFailures.DuplicateMember;
                    }

                    ReadKubernetesClaim(ref reader, json, ref claims, ref fullDuplicateCheck);
                    return null;
                }

                break;
            default:
                if (name.StartsWith("kubernetes.io/serviceaccount/"u8))
                {
                    var legacy = name["kubernetes.io/serviceaccount/"u8.Length..];
                    var bit = legacy.SequenceEqual("namespace"u8) ? SeenLegacyNamespace
                        : legacy.SequenceEqual("secret.name"u8) ? SeenLegacySecretName
                        : legacy.SequenceEqual("service-account.name"u8) ? SeenLegacyServiceAccountName
                        : legacy.SequenceEqual("service-account.uid"u8) ? SeenLegacyServiceAccountUid
                        : 0;
                    if (bit != 0)
                    {
                        if (!FirstTime(ref claims, bit))
                        {
                            return ValidationFailures.DuplicateMember;
                        }

                        string? value;
                        if (!TryGetString(ref reader, out value))
                        {
                            claims.LegacyClaimsInvalid = true;
                            reader.Skip();
                        }

                        switch (bit)
                        {
                            case SeenLegacyNamespace: claims.LegacyNamespace = value; break;
                            case SeenLegacySecretName: claims.LegacySecretName = value; break;
                            case SeenLegacyServiceAccountName: claims.LegacyServiceAccountName = value; break;
                            default: claims.LegacyServiceAccountUid = value; break;
                        }

                        return null;
                    }
                }

                break;
        }

        // A member neither of kube's validators reads: go-jose still refuses it when repeated, but never looks inside
        // its value (docs/kube-apiserver.md §9.3).
        var check = TrackName(name, nameStart, escaped, json, otherNames, ref otherCount);
        if (check == NameCheck.Duplicate)
        {
            return ValidationFailures.DuplicateMember;
        }

        fullDuplicateCheck |= check == NameCheck.CannotTell;
        if (IsFoldedIss(name))
        {
            ReadPreCheckIssuer(ref reader, keys, ref claims);
        }

        reader.Skip();
        return null;
    }

    private static TokenVerificationResult? Standard(bool firstTime, bool valid) =>
        !firstTime ? ValidationFailures.DuplicateMember : valid ? null : ValidationFailures.ClaimType;

    /// <summary>
    /// Go's encoding/json matches a struct field by name case-insensitively with Unicode simple folding, so
    /// <c>ISS</c>, <c>Iss</c> and even <c>iſſ</c> (U+017F) are <c>iss</c> to kube's issuer pre-check (docs/kube-apiserver.md §9.3).
    /// The exact name is handled as the <c>iss</c> claim itself.
    /// </summary>
    private static bool IsFoldedIss(ReadOnlySpan<byte> name)
    {
        if (name.Length is < 3 or > 5 || (name[0] | 0x20) != 'i')
        {
            return false;
        }

        var rest = name[1..];
        for (var i = 0; i < 2; i++)
        {
            if (!rest.IsEmpty && (rest[0] | 0x20) == 's')
            {
                rest = rest[1..];
            }
            else if (rest.Length >= 2 && rest[0] == 0xC5 && rest[1] == 0xBF)
            {
                rest = rest[2..];
            }
            else
            {
                return false;
            }
        }

        return rest.IsEmpty;
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

        claims.IssuerIndex = IssuerIndexOf(ref reader, keys);
        claims.PreCheckIssuerIndex = claims.IssuerIndex;
        return true;
    }

    /// <summary>Go's encoding/json into a string field: a string replaces the value (last wins), null leaves it, anything else is an error.</summary>
    private static void ReadPreCheckIssuer(ref Utf8JsonReader reader, KeySetSnapshot keys, ref TokenClaims claims)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                claims.PreCheckIssuerIndex = IssuerIndexOf(ref reader, keys);
                break;
            case JsonTokenType.Null:
                break;
            default:
                claims.PreCheckInvalid = true;
                break;
        }
    }

    private static int IssuerIndexOf(ref Utf8JsonReader reader, KeySetSnapshot keys)
    {
        if (reader.ValueTextEquals(LegacyIssuer))
        {
            return TokenClaims.IssuerLegacy;
        }

        var issuers = keys.IssuersUtf8;
        for (var i = 0; i < issuers.Length; i++)
        {
            if (reader.ValueTextEquals(issuers[i]))
            {
                return i;
            }
        }

        return reader.ValueSpan.IsEmpty ? TokenClaims.IssuerAbsent : TokenClaims.IssuerUnknown;
    }

    private bool ReadAudience(ref Utf8JsonReader reader, ref TokenClaims claims)
    {
        // RFC 7519 §4.1.3: a string or an array of strings (kube-apiserver always writes an array).
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                MatchAudience(ref reader, ref claims);
                return true;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    MatchAudience(ref reader, ref claims);
                }

                return true;
            default:
                return false;
        }
    }

    private void MatchAudience(ref Utf8JsonReader reader, ref TokenClaims claims)
    {
        // Any entry, even "", makes the token's audience list non-empty (go-jose's Audience): no API audience fallback.
        claims.HasAudience = true;
        var audiences = _audiencesUtf8;
        for (var i = 0; i < audiences.Length; i++)
        {
            if (reader.ValueTextEquals(audiences[i]))
            {
                claims.AudienceMatches |= 1UL << i;
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

    /// <summary>
    /// The bound claims, positioned on the value. Never fails the parse: a wrong type or a repeated member here only
    /// fails kube's bound validator (which decodes kubernetes.io), so it sets <see cref="TokenClaims.BoundClaimsInvalid"/>.
    /// </summary>
    private static void ReadKubernetesClaim(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref TokenClaims claims, ref bool fullDuplicateCheck)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            claims.BoundClaimsInvalid = true;
            reader.Skip();
            return;
        }

        claims.HasKubernetesClaim = true;
        Span<int> otherNames = stackalloc int[2 * MaxTrackedNames];
        var otherCount = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var escaped = reader.ValueIsEscaped;
            var nameStart = (int)reader.TokenStartIndex + 1;
            var name = PropertyName(ref reader);
            var bit = name.SequenceEqual("namespace"u8) ? SeenNamespace
                : name.SequenceEqual("serviceaccount"u8) ? SeenServiceAccount
                : name.SequenceEqual("pod"u8) ? SeenPod
                : name.SequenceEqual("node"u8) ? SeenNode
                : name.SequenceEqual("secret"u8) ? SeenSecret
                : name.SequenceEqual("warnafter"u8) ? SeenWarnAfter
                : 0;
            if (bit == 0)
            {
                // An escaped name cannot be compared here; ParseClaims' full check looks again.
                var check = TrackName(name, nameStart, escaped, json, otherNames, ref otherCount);
                claims.BoundClaimsInvalid |= check == NameCheck.Duplicate;
                fullDuplicateCheck |= check == NameCheck.CannotTell;
                reader.Read();
                reader.Skip();
                continue;
            }

            var ok = FirstTime(ref claims, bit);
            reader.Read();
            switch (bit)
            {
                case SeenNamespace: ok &= TryGetString(ref reader, out claims.Namespace); break;
                case SeenServiceAccount: ok &= ReadObjectReference(ref reader, json, out claims.ServiceAccountName, out claims.ServiceAccountUid, ref fullDuplicateCheck); break;
                case SeenPod: ok &= ReadObjectReference(ref reader, json, out claims.PodName, out claims.PodUid, ref fullDuplicateCheck); break;
                case SeenNode: ok &= ReadObjectReference(ref reader, json, out claims.NodeName, out claims.NodeUid, ref fullDuplicateCheck); break;
                case SeenSecret: ok &= ReadObjectReference(ref reader, json, out claims.SecretName, out claims.SecretUid, ref fullDuplicateCheck); break;
                default: ok &= TryGetNumericDate(ref reader, out claims.WarnAfter); break;
            }

            if (!ok)
            {
                claims.BoundClaimsInvalid = true;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>
    /// <c>{"name":…,"uid":…}</c> (kube's <c>ref</c>); other members are ignored but may not repeat. Positioned on the
    /// value; leaves the reader on its last token. False for a wrong type or a repeated member.
    /// </summary>
    private static bool ReadObjectReference(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, out string? name, out string? uid, ref bool fullDuplicateCheck)
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

        var ok = true;
        var seenName = false;
        var seenUid = false;
        Span<int> otherNames = stackalloc int[2 * MaxTrackedNames];
        var otherCount = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                ok &= !seenName && TryGetString(ref reader, out name);
                seenName = true;
            }
            else if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                ok &= !seenUid && TryGetString(ref reader, out uid);
                seenUid = true;
            }
            else
            {
                // An escaped unknown name cannot be compared here: ParseClaims' full check looks again.
                var check = TrackName(reader.ValueSpan, (int)reader.TokenStartIndex + 1, reader.ValueIsEscaped, json, otherNames, ref otherCount);
                ok &= check != NameCheck.Duplicate;
                fullDuplicateCheck |= check == NameCheck.CannotTell;
                reader.Read();
            }

            reader.Skip();
        }

        return ok;
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

    /// <summary>Up to this many members per object, other than the known ones, are checked for repeats without allocating.</summary>
    private const int MaxTrackedNames = 8;

    private enum NameCheck
    {
        New,
        Duplicate,

        /// <summary>An escaped name, or too many names: <see cref="HasDuplicateMembers"/> decides.</summary>
        CannotTell,
    }

    private enum PayloadScope
    {
        /// <summary>Every object (the header: go-jose decodes unknown header members into maps).</summary>
        Everywhere,

        /// <summary>The claims object, kubernetes.io and its object members (the structs go-jose decodes claims into).</summary>
        GoJoseClaims,
    }

    /// <summary>Remembers a member name (by its offset in <paramref name="json"/>, no allocation) and says whether it repeats an earlier one.</summary>
    private static NameCheck TrackName(scoped ReadOnlySpan<byte> name, int start, bool escaped, scoped ReadOnlySpan<byte> json, scoped Span<int> names, ref int count)
    {
        if (escaped || (2 * count) + 2 > names.Length)
        {
            return NameCheck.CannotTell;
        }

        for (var i = 0; i < count; i++)
        {
            if (json.Slice(names[2 * i], names[(2 * i) + 1]).SequenceEqual(name))
            {
                return NameCheck.Duplicate;
            }
        }

        names[2 * count] = start;
        names[(2 * count) + 1] = name.Length;
        count++;
        return NameCheck.New;
    }

    /// <summary>
    /// The slow, allocating duplicate check for what <see cref="TrackName"/> could not decide (escaped names, many
    /// members, objects nested in unknown header members). Names compare unescaped, as Go compares them.
    /// </summary>
    /// <param name="json">A document that already parsed once.</param>
    /// <param name="scope">Which objects go-jose checks.</param>
    /// <param name="inBoundClaims">With <see cref="PayloadScope.GoJoseClaims"/>: true when every repeat is inside kubernetes.io.</param>
    private static bool HasDuplicateMembers(ReadOnlySpan<byte> json, PayloadScope scope, out bool inBoundClaims)
    {
        inBoundClaims = false;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        reader.Read();
        var topLevel = false;
        var bound = false;
        CheckObject(ref reader, scope, 0, null, ref topLevel, ref bound);
        inBoundClaims = bound && !topLevel;
        return topLevel || bound;

        static void CheckObject(ref Utf8JsonReader reader, PayloadScope scope, int level, string? parentName, ref bool topLevel, ref bool bound)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var checkedHere = scope == PayloadScope.Everywhere || level == 0
                || (level == 1 && parentName == "kubernetes.io")
                || (level == 2 && parentName is "serviceaccount" or "pod" or "node" or "secret");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (checkedHere && !names.Add(name))
                {
                    if (level == 0)
                    {
                        topLevel = true;
                    }
                    else
                    {
                        bound = true;
                    }
                }

                reader.Read();
                var descend = scope == PayloadScope.Everywhere || (level == 0 && name == "kubernetes.io") || (level == 1 && parentName == "kubernetes.io");
                if (reader.TokenType == JsonTokenType.StartObject && descend)
                {
                    CheckObject(ref reader, scope, level + 1, name, ref topLevel, ref bound);
                }
                else if (reader.TokenType == JsonTokenType.StartArray && scope == PayloadScope.Everywhere)
                {
                    CheckArray(ref reader, scope, level + 1, ref topLevel, ref bound);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        static void CheckArray(ref Utf8JsonReader reader, PayloadScope scope, int level, ref bool topLevel, ref bool bound)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    CheckObject(ref reader, scope, level, null, ref topLevel, ref bound);
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    CheckArray(ref reader, scope, level, ref topLevel, ref bound);
                }
            }
        }
    }

    private static ReadOnlySpan<byte> PropertyName(ref Utf8JsonReader reader) =>
        // Real tokens never escape claim names; a hostile one pays for an allocation, not for a wrong match.
        reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
}
