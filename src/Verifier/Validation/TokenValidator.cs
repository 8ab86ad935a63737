using System.Buffers;
using System.Buffers.Text;
using System.Collections.ObjectModel;
using System.Security.Cryptography;
using System.Text;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Validates one compact JWS against a key set, offline, the way kube-apiserver's service-account authenticator
/// does (docs/kube-apiserver.md §4): structure and issuer on the unverified payload, key by kid, signature, then audience, time
/// and the <c>kubernetes.io</c> claims. The hot path: no LINQ, no closures, no exceptions for bad tokens, decoding into
/// a caller-provided buffer; a successful validation allocates only the identity it returns.
/// </summary>
internal sealed partial class TokenValidator
{
    public const string LegacyIssuer = "kubernetes/serviceaccount";

    // JWS compact serialization: base64url (RFC 7515 §2, no padding, no whitespace) and two dots.
    private static readonly SearchValues<byte> CompactJwsBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."u8);

    private readonly string[] _audiences;
    private readonly byte[][] _audiencesUtf8;
    private readonly IReadOnlyList<string>[] _singleAudience;
    private readonly long _expirationLeewayTicks;
    private readonly long _notBeforeLeewayTicks;
    private readonly long _issuedAtLeewayTicks;
    private readonly bool _acceptLegacy;

    /// <exception cref="ArgumentException">Without audiences, or with more than <see cref="MaxAudiences"/>.</exception>
    public TokenValidator(IReadOnlyList<string> audiences, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(options);
        if (audiences.Count == 0 || audiences.Count > MaxAudiences)
        {
            throw new ArgumentException($"Between 1 and {MaxAudiences} audiences are required.", nameof(audiences));
        }

        _audiences = [.. audiences];
        _audiencesUtf8 = new byte[_audiences.Length][];
        _singleAudience = new IReadOnlyList<string>[_audiences.Length];
        for (var i = 0; i < _audiences.Length; i++)
        {
            _audiencesUtf8[i] = Encoding.UTF8.GetBytes(_audiences[i]);
            _singleAudience[i] = new ReadOnlyCollection<string>([_audiences[i]]);
        }

        _expirationLeewayTicks = options.ExpirationLeeway.Ticks;
        _notBeforeLeewayTicks = options.NotBeforeLeeway.Ticks;
        _issuedAtLeewayTicks = options.IssuedAtLeeway.Ticks;
        _acceptLegacy = options.AcceptLegacyTokens;
    }

    /// <summary>Matched audiences are tracked as byte indices; more configured audiences than this is a configuration error.</summary>
    public const int MaxAudiences = 64;

    public IReadOnlyList<string> Audiences => _audiences;

    /// <summary>A buffer of this many bytes is enough scratch for <see cref="Validate"/> on a token of <paramref name="tokenLength"/> bytes.</summary>
    public static int ScratchLength(int tokenLength) => tokenLength + 8;

    /// <param name="token">The token as ASCII bytes (callers reject non-ASCII and oversized tokens first).</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> bytes; decoded parts are written here.</param>
    /// <param name="keys">The key set and accepted issuers.</param>
    /// <param name="now">The current time.</param>
    public ValidationOutcome Validate(ReadOnlySpan<byte> token, Span<byte> scratch, KeySetSnapshot keys, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keys);

        // 1. Structure: kube's hasCorrectIssuer wants exactly three parts and RawURL (unpadded) base64.
        if (token.IsEmpty)
        {
            return ValidationOutcome.Failed(ValidationFailures.Empty);
        }

        var bad = token.IndexOfAnyExcept(CompactJwsBytes);
        if (bad >= 0)
        {
            return ValidationOutcome.Failed(token[bad] == (byte)'=' ? ValidationFailures.Padding : ValidationFailures.BadCharacter);
        }

        var firstDot = token.IndexOf((byte)'.');
        var secondDot = firstDot < 0 ? -1 : token[(firstDot + 1)..].IndexOf((byte)'.');
        if (secondDot < 0)
        {
            return ValidationOutcome.Failed(ValidationFailures.NotThreeParts);
        }

        secondDot += firstDot + 1;
        if (token[(secondDot + 1)..].Contains((byte)'.'))
        {
            return ValidationOutcome.Failed(ValidationFailures.NotThreeParts);
        }

        var signingInput = token[..secondDot];

        // 2. Header: alg, kid, and no embedded keys.
        if (!TryDecode(token[..firstDot], scratch, out var headerLength))
        {
            return ValidationOutcome.Failed(ValidationFailures.HeaderEncoding);
        }

        var header = scratch[..headerLength];
        var headerFailure = ParseHeader(header, out var algorithm, out var kidStart, out var kidLength, out var kidEscaped);
        if (headerFailure is not null)
        {
            return ValidationOutcome.Failed(headerFailure);
        }

        // 3. Payload claims (unverified until step 6).
        var rest = scratch[headerLength..];
        if (!TryDecode(token[(firstDot + 1)..secondDot], rest, out var payloadLength))
        {
            return ValidationOutcome.Failed(ValidationFailures.PayloadEncoding);
        }

        var payload = rest[..payloadLength];
        Span<byte> audienceMatches = stackalloc byte[MaxAudienceMatches];
        var claims = default(TokenClaims);
        var claimsFailure = ParseClaims(payload, keys, audienceMatches, ref claims);
        if (claimsFailure is not null)
        {
            return ValidationOutcome.Failed(claimsFailure);
        }

        // 4. Issuer, on the unverified payload like kube's hasCorrectIssuer: other issuers are not ours to judge.
        switch (claims.IssuerIndex)
        {
            case TokenClaims.IssuerAbsent:
                return ValidationOutcome.Failed(ValidationFailures.NoIssuer);
            case TokenClaims.IssuerUnknown:
                return ValidationOutcome.Failed(ValidationFailures.WrongIssuer);
            case TokenClaims.IssuerLegacy when !_acceptLegacy:
                return ValidationOutcome.Failed(ValidationFailures.LegacyRejected);
        }

        // 5. Keys by kid: a non-empty kid selects only keys with that kid (no fallback); empty or absent tries all.
        var signatureBuffer = rest[payloadLength..];
        if (!TryDecode(token[(secondDot + 1)..], signatureBuffer, out var signatureLength))
        {
            return ValidationOutcome.Failed(ValidationFailures.SignatureEncoding);
        }

        var signature = signatureBuffer[..signatureLength];
        VerificationKey[] candidates;
        if (kidEscaped is not null ? kidEscaped.Length == 0 : kidLength == 0)
        {
            candidates = keys.Keys;
        }
        else if (!TryFindKeys(keys, header, kidStart, kidLength, kidEscaped, out candidates))
        {
            var unknownKid = kidEscaped ?? Encoding.UTF8.GetString(header.Slice(kidStart, kidLength));
            return new ValidationOutcome(ValidationFailures.UnknownKey, unknownKid, null, 0);
        }

        // 6. Signature: the first candidate of the token's algorithm that verifies wins.
        VerificationKey? verifiedBy = null;
        var anyOfAlgorithm = false;
        foreach (var candidate in candidates)
        {
            if (candidate.Algorithm != algorithm)
            {
                continue;
            }

            anyOfAlgorithm = true;
            bool valid;
            try
            {
                valid = candidate.Verify(signingInput, signature);
            }
            catch (CryptographicException)
            {
                // The backend refused the input (e.g. a signature value out of range): not a valid signature.
                valid = false;
            }

            if (valid)
            {
                verifiedBy = candidate;
                break;
            }
        }

        if (verifiedBy is null)
        {
            return ValidationOutcome.Failed(anyOfAlgorithm ? ValidationFailures.BadSignature : ValidationFailures.NoKeyForAlgorithm);
        }

        return claims.IssuerIndex == TokenClaims.IssuerLegacy
            ? CompleteLegacy(payload, ref claims, verifiedBy)
            : CompleteBound(payload, ref claims, audienceMatches, keys, verifiedBy, now);
    }

    private ValidationOutcome CompleteBound(ReadOnlySpan<byte> payload, ref TokenClaims claims, ReadOnlySpan<byte> audienceMatches, KeySetSnapshot keys, VerificationKey key, DateTimeOffset now)
    {
        // 7. Audience: token aud ∩ configured audiences must not be empty; the intersection (in token order) is
        // what TokenReview reports as status.audiences.
        if (claims.AudienceMatchCount == 0)
        {
            return ValidationOutcome.Failed(ValidationFailures.WrongAudience);
        }

        // 8. Time, in go-jose's order (nbf, exp, iat), each with its leeway. kube-apiserver does not require exp;
        // we do (deviation): every token kube-apiserver issues on a configured issuer has one, and the result cache
        // and the caller need an end of validity.
        if (claims.Expires is not long expires)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoExpiry);
        }

        var nowTicks = now.UtcTicks;
        if (claims.NotBefore is long notBefore && nowTicks + _notBeforeLeewayTicks < UnixTicks(notBefore))
        {
            // The verdict holds until nbf - leeway; a cached copy must not outlive it.
            return new ValidationOutcome(ValidationFailures.NotYetValid, null, null, UnixTicks(notBefore) - _notBeforeLeewayTicks - 1);
        }

        // kube-apiserver (go-jose): expired iff now - leeway > exp.
        var expiresTicks = UnixTicks(expires);
        if (nowTicks - _expirationLeewayTicks > expiresTicks)
        {
            return ValidationOutcome.Failed(ValidationFailures.Expired);
        }

        if (claims.IssuedAt is long issuedAt && nowTicks + _issuedAtLeewayTicks < UnixTicks(issuedAt))
        {
            return new ValidationOutcome(ValidationFailures.IssuedInFuture, null, null, UnixTicks(issuedAt) - _issuedAtLeewayTicks - 1);
        }

        // 9. The private claims kube-apiserver builds the user from.
        if (!claims.HasKubernetesClaim)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoKubernetesClaim);
        }

        var @namespace = claims.Namespace;
        var serviceAccountName = claims.ServiceAccountName;
        if (@namespace is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoNamespace);
        }

        if (serviceAccountName is null || claims.ServiceAccountUid is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoServiceAccount);
        }

        // Stricter than kube-apiserver, which builds the username from kubernetes.io and ignores sub: a token whose
        // sub disagrees with kubernetes.io was not issued by the TokenRequest API.
        if (!claims.HasSubject)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoSubject);
        }

        if (!SubjectMatches(payload, ref claims, @namespace, serviceAccountName))
        {
            return ValidationOutcome.Failed(ValidationFailures.BadSubject);
        }

        var identity = new ServiceAccountIdentity(@namespace, serviceAccountName)
        {
            ServiceAccountUid = claims.ServiceAccountUid,
            PodName = claims.PodName,
            PodUid = claims.PodUid,
            NodeName = claims.NodeName,
            NodeUid = claims.NodeUid,
            SecretName = claims.SecretName,
            SecretUid = claims.SecretUid,
            TokenId = claims.TokenId,
            Audiences = MatchedAudiences(audienceMatches[..Math.Min(claims.AudienceMatchCount, MaxAudienceMatches)]),
            Issuer = keys.Issuers[claims.IssuerIndex],
            KeyId = key.KeyId.Length == 0 ? null : key.KeyId,
            IssuedAt = claims.IssuedAt is long iat ? DateTimeOffset.FromUnixTimeSeconds(iat) : null,
            NotBefore = claims.NotBefore is long nbf ? DateTimeOffset.FromUnixTimeSeconds(nbf) : null,
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(expires),
            WarnAfter = claims.WarnAfter is long warnAfter ? DateTimeOffset.FromUnixTimeSeconds(warnAfter) : null,
        };

        var validUntil = expiresTicks > DateTimeOffset.MaxValue.UtcTicks - _expirationLeewayTicks
            ? long.MaxValue
            : expiresTicks + _expirationLeewayTicks;
        return new ValidationOutcome(TokenVerificationResult.Success(identity, VerificationMode.Local), null, key, validUntil);
    }

    private static ValidationOutcome CompleteLegacy(ReadOnlySpan<byte> payload, ref TokenClaims claims, VerificationKey key)
    {
        // kube-apiserver legacy.go: sub, namespace, secret name, SA name and uid are required, sub must match; no
        // time or audience checks (the token has neither). Offline we cannot check the Secret still exists.
        if (!claims.HasSubject)
        {
            return ValidationOutcome.Failed(ValidationFailures.NoSubject);
        }

        var @namespace = claims.LegacyNamespace;
        var serviceAccountName = claims.LegacyServiceAccountName;
        if (@namespace is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyNoNamespace);
        }

        if (claims.LegacySecretName is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyNoSecretName);
        }

        if (serviceAccountName is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyNoServiceAccountName);
        }

        if (claims.LegacyServiceAccountUid is null)
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyNoServiceAccountUid);
        }

        if (!SubjectMatches(payload, ref claims, @namespace, serviceAccountName))
        {
            return ValidationOutcome.Failed(ValidationFailures.BadSubject);
        }

        var identity = new ServiceAccountIdentity(@namespace, serviceAccountName)
        {
            ServiceAccountUid = claims.LegacyServiceAccountUid,
            SecretName = claims.LegacySecretName,
            Issuer = LegacyIssuer,
            KeyId = key.KeyId.Length == 0 ? null : key.KeyId,
            IsLegacy = true,
        };
        return new ValidationOutcome(TokenVerificationResult.Success(identity, VerificationMode.Local), null, key, long.MaxValue);
    }

    private IReadOnlyList<string> MatchedAudiences(ReadOnlySpan<byte> matches)
    {
        if (matches.Length == 1)
        {
            return _singleAudience[matches[0]];
        }

        var list = new string[matches.Length];
        for (var i = 0; i < matches.Length; i++)
        {
            list[i] = _audiences[matches[i]];
        }

        return new ReadOnlyCollection<string>(list);
    }

    private static bool TryFindKeys(KeySetSnapshot keys, ReadOnlySpan<byte> header, int kidStart, int kidLength, string? kidEscaped, out VerificationKey[] candidates)
    {
        if (kidEscaped is not null)
        {
            return keys.TryGetKeys(kidEscaped, out candidates);
        }

        var kid = header.Slice(kidStart, kidLength);
        if (kid.Length > 256)
        {
            // No real kid is this long; look it up the slow way rather than put it on the stack.
            return keys.TryGetKeys(Encoding.UTF8.GetString(kid), out candidates);
        }

        Span<char> chars = stackalloc char[256];
        var written = Encoding.UTF8.GetChars(kid, chars);
        return keys.TryGetKeys(chars[..written], out candidates);
    }

    private static bool TryDecode(ReadOnlySpan<byte> base64Url, Span<byte> destination, out int written)
    {
        // Padding and whitespace were excluded by the character check, so this is strict RawURLEncoding.
        var status = Base64Url.DecodeFromUtf8(base64Url, destination, out var consumed, out written);
        return status == OperationStatus.Done && consumed == base64Url.Length;
    }

    private static bool SubjectMatches(ReadOnlySpan<byte> payload, ref TokenClaims claims, string @namespace, string name)
    {
        // sub must be exactly system:serviceaccount:<ns>:<name> (kube's MakeUsername).
        var prefix = "system:serviceaccount:"u8;
        if (claims.SubjectEscaped is { } escaped)
        {
            return escaped.Length == ServiceAccountIdentity.UsernamePrefix.Length + @namespace.Length + 1 + name.Length
                && escaped.StartsWith(ServiceAccountIdentity.UsernamePrefix, StringComparison.Ordinal)
                && escaped.AsSpan(ServiceAccountIdentity.UsernamePrefix.Length, @namespace.Length).SequenceEqual(@namespace)
                && escaped[ServiceAccountIdentity.UsernamePrefix.Length + @namespace.Length] == ':'
                && escaped.AsSpan(ServiceAccountIdentity.UsernamePrefix.Length + @namespace.Length + 1).SequenceEqual(name);
        }

        var subject = payload.Slice(claims.SubjectStart, claims.SubjectLength);
        if (!subject.StartsWith(prefix))
        {
            return false;
        }

        subject = subject[prefix.Length..];
        return subject.Length == @namespace.Length + 1 + name.Length
            && Ascii.Equals(subject[..@namespace.Length], @namespace)
            && subject[@namespace.Length] == (byte)':'
            && Ascii.Equals(subject[(@namespace.Length + 1)..], name);
    }

    private static long UnixTicks(long seconds) => DateTimeOffset.UnixEpoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond);
}
