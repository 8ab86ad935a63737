using System.Buffers;
using System.Buffers.Text;
using System.Collections.ObjectModel;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Verifier.Keys;

namespace Verifier.Validation;

/// <summary>
/// Validates one compact JWS against a key set, offline, the way kube-apiserver's service-account authenticator
/// does (docs/kube-apiserver.md §4, §9.2, §9.3): structure and issuer on the unverified payload, key by kid,
/// signature, then audience, time and the <c>kubernetes.io</c> claims. The hot path: no LINQ, no closures, no
/// exceptions for bad tokens, decoding into a caller-provided buffer; a successful validation allocates only the
/// identity it returns. Unusual encodings Go accepts (<c>\r\n</c>, unused base64 bits, invalid UTF-8 in strings)
/// take a slower path through rented buffers.
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
    private readonly string[]? _apiAudiences;
    private readonly long _maxTokenAgeTicks;

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
        _apiAudiences = options.ApiAudiences.Count > 0 ? [.. options.ApiAudiences] : null;
        _maxTokenAgeTicks = options.MaxTokenAge is { } maxAge && maxAge > TimeSpan.Zero ? maxAge.Ticks : 0;
    }

    /// <summary>Matched audiences are tracked as bits of a 64-bit mask; more configured audiences than this is a configuration error.</summary>
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
            // Go's base64 decoder skips \r and \n anywhere (a token read from a file with its trailing newline passes
            // TokenReview): such a token is checked in its stripped form (docs/kube-apiserver.md §9.3).
            return token[bad] is (byte)'\r' or (byte)'\n'
                ? ValidateCanonical(token, scratch, keys, now)
                : ValidationOutcome.Failed(token[bad] == (byte)'=' ? ValidationFailures.Padding : ValidationFailures.BadCharacter);
        }

        if (!TryFindDots(token, out var firstDot, out var secondDot))
        {
            return ValidationOutcome.Failed(ValidationFailures.NotThreeParts);
        }

        // go-jose decodes leniently and verifies over the re-encoded header and payload, so a last character with
        // unused bits set is accepted only with the signature over the canonical text (docs/kube-apiserver.md §9.3).
        if (HasUnusedBits(token[..firstDot]) || HasUnusedBits(token[(firstDot + 1)..secondDot]) || HasUnusedBits(token[(secondDot + 1)..]))
        {
            return ValidateCanonical(token, scratch, keys, now);
        }

        return ValidateCompact(token, firstDot, secondDot, scratch, keys, now);
    }

    private ValidationOutcome ValidateCanonical(ReadOnlySpan<byte> token, Span<byte> scratch, KeySetSnapshot keys, DateTimeOffset now)
    {
        var canonical = ArrayPool<byte>.Shared.Rent(token.Length);
        try
        {
            if (!TryCanonicalize(token, canonical, out var length, out var failure))
            {
                return ValidationOutcome.Failed(failure!);
            }

            var compact = canonical.AsSpan(0, length);
            return TryFindDots(compact, out var firstDot, out var secondDot)
                ? ValidateCompact(compact, firstDot, secondDot, scratch, keys, now)
                : ValidationOutcome.Failed(ValidationFailures.NotThreeParts);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(canonical);
        }
    }

    private static bool TryFindDots(ReadOnlySpan<byte> token, out int firstDot, out int secondDot)
    {
        firstDot = token.IndexOf((byte)'.');
        secondDot = firstDot < 0 ? -1 : token[(firstDot + 1)..].IndexOf((byte)'.');
        if (secondDot < 0)
        {
            return false;
        }

        secondDot += firstDot + 1;
        return !token[(secondDot + 1)..].Contains((byte)'.');
    }

    /// <summary>Steps 2-6 on a token in canonical compact form (base64url only, no unused bits set).</summary>
    private ValidationOutcome ValidateCompact(ReadOnlySpan<byte> token, int firstDot, int secondDot, Span<byte> scratch, KeySetSnapshot keys, DateTimeOffset now)
    {
        byte[]? goHeader = null;
        byte[]? goPayload = null;
        try
        {
            var signingInput = token[..secondDot];

            // 2. Header: alg, kid, and no embedded keys. Strings Go would repair (invalid UTF-8, lone surrogates) are
            // repaired first, as Go does (docs/kube-apiserver.md §9.3).
            if (!TryDecode(token[..firstDot], scratch, out var headerLength))
            {
                return ValidationOutcome.Failed(ValidationFailures.HeaderEncoding);
            }

            ReadOnlySpan<byte> header = scratch[..headerLength];
            if (NeedsGoStrings(header))
            {
                (goHeader, var length) = ToGoStrings(header);
                header = goHeader.AsSpan(0, length);
            }

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

            ReadOnlySpan<byte> payload = rest[..payloadLength];
            if (NeedsGoStrings(payload))
            {
                (goPayload, var length) = ToGoStrings(payload);
                payload = goPayload.AsSpan(0, length);
            }

            var claims = default(TokenClaims);
            var claimsFailure = ParseClaims(payload, keys, ref claims);
            if (claimsFailure is not null)
            {
                return ValidationOutcome.Failed(claimsFailure);
            }

            // 4. Issuer, on the unverified payload like kube's hasCorrectIssuer (Go's encoding/json: case-insensitive
            // member names, last match wins): it decides which of kube's authenticators claim the token. Other
            // issuers are not ours to judge (docs/kube-apiserver.md §4 step 1, §9.3).
            if (claims.PreCheckInvalid)
            {
                return ValidationOutcome.Failed(ValidationFailures.PreCheckIssuerType);
            }

            switch (claims.PreCheckIssuerIndex)
            {
                case TokenClaims.IssuerAbsent:
                    return ValidationOutcome.Failed(ValidationFailures.NoIssuer);
                case TokenClaims.IssuerUnknown:
                    return ValidationOutcome.Failed(ValidationFailures.WrongIssuer);
            }

            // kubernetes/serviceaccount is claimed by kube's legacy authenticator and, when it is also a configured
            // issuer, by the bound one; the token union accepts what either accepts (docs/kube-apiserver.md §9.2).
            var legacyConfigured = IsLegacyIssuerConfigured(keys);
            var asLegacy = claims.PreCheckIssuerIndex == TokenClaims.IssuerLegacy && _acceptLegacy;
            var asBound = claims.PreCheckIssuerIndex != TokenClaims.IssuerLegacy || legacyConfigured;
            if (claims.PreCheckIssuerIndex == TokenClaims.IssuerLegacy && !_acceptLegacy && !claims.HasKubernetesClaim && claims.HasLegacyClaims)
            {
                // The flat claims of a Secret-based token: kube's bound validator would refuse it anyway.
                return ValidationOutcome.Failed(ValidationFailures.LegacyRejected);
            }

            if (!asLegacy && !asBound)
            {
                return ValidationOutcome.Failed(claims.HasKubernetesClaim ? ValidationFailures.LegacyIssuerNotConfigured : ValidationFailures.LegacyRejected);
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

            // 6. Signature over the canonical signing input: the first candidate of the token's algorithm that verifies wins.
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

            // 7. The validator of the claim shape: a token with kubernetes.io is bound, one with only the flat
            // kubernetes.io/serviceaccount/* claims is legacy; when both authenticators claim it, either may accept.
            if (asBound && (!asLegacy || claims.HasKubernetesClaim || !claims.HasLegacyClaims))
            {
                var bound = CompleteBound(payload, ref claims, keys, legacyConfigured, verifiedBy, now);
                if (!bound.Result.Succeeded && asLegacy && claims.HasLegacyClaims)
                {
                    var legacy = CompleteLegacy(payload, ref claims, keys, verifiedBy);
                    if (legacy.Result.Succeeded)
                    {
                        return legacy;
                    }
                }

                return bound;
            }

            return CompleteLegacy(payload, ref claims, keys, verifiedBy);
        }
        finally
        {
            if (goHeader is not null)
            {
                ArrayPool<byte>.Shared.Return(goHeader);
            }

            if (goPayload is not null)
            {
                ArrayPool<byte>.Shared.Return(goPayload);
            }
        }
    }

    private ValidationOutcome CompleteBound(ReadOnlySpan<byte> payload, ref TokenClaims claims, KeySetSnapshot keys, bool legacyConfigured, VerificationKey key, DateTimeOffset now)
    {
        // go-jose decodes kubernetes.io for the bound validator only: its errors count here, not for legacy tokens.
        if (claims.BoundClaimsInvalid)
        {
            return ValidationOutcome.Failed(ValidationFailures.BoundClaimType);
        }

        // kube re-checks the exact (case-sensitive) iss after the signature: the pre-check may have read another member.
        if (claims.IssuerIndex < 0 && !(claims.IssuerIndex == TokenClaims.IssuerLegacy && legacyConfigured))
        {
            return ValidationOutcome.Failed(ValidationFailures.PreCheckIssuerMismatch);
        }

        // 8. Audience: token aud ∩ configured audiences must not be empty (docs/kube-apiserver.md §4 step 4); a token
        // without aud counts as carrying the API audiences.
        var matches = claims.HasAudience ? claims.AudienceMatches : ApiAudienceMatches(keys);
        if (matches == 0)
        {
            return ValidationOutcome.Failed(ValidationFailures.WrongAudience);
        }

        // 9. Time, in go-jose's order (nbf, exp, iat), each with its leeway. kube-apiserver does not require exp;
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

        var validUntil = expiresTicks > DateTimeOffset.MaxValue.UtcTicks - _expirationLeewayTicks
            ? long.MaxValue
            : expiresTicks + _expirationLeewayTicks;

        // Validation:MaxTokenAge: a distribution's own limit on iat (EKS: 90 days; docs/kube-apiserver.md §9.5).
        if (_maxTokenAgeTicks > 0 && claims.IssuedAt is long iat)
        {
            var tooOldAfter = UnixTicks(iat) + _maxTokenAgeTicks;
            if (nowTicks > tooOldAfter)
            {
                return ValidationOutcome.Failed(ValidationFailures.TooOld);
            }

            validUntil = Math.Min(validUntil, tooOldAfter);
        }

        // 10. The private claims kube-apiserver builds the user from.
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
            Audiences = MatchedAudiences(matches),
            Issuer = claims.IssuerIndex >= 0 ? keys.Issuers[claims.IssuerIndex] : LegacyIssuer,
            KeyId = key.KeyId.Length == 0 ? null : key.KeyId,
            IssuedAt = claims.IssuedAt is long issued ? DateTimeOffset.FromUnixTimeSeconds(issued) : null,
            NotBefore = claims.NotBefore is long nbf ? DateTimeOffset.FromUnixTimeSeconds(nbf) : null,
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(expires),
            WarnAfter = claims.WarnAfter is long warnAfter ? DateTimeOffset.FromUnixTimeSeconds(warnAfter) : null,
        };

        return new ValidationOutcome(TokenVerificationResult.Success(identity, VerificationMode.Local), null, key, validUntil);
    }

    private ValidationOutcome CompleteLegacy(ReadOnlySpan<byte> payload, ref TokenClaims claims, KeySetSnapshot keys, VerificationKey key)
    {
        // go-jose decodes the flat claims for the legacy validator only (docs/kube-apiserver.md §3.2).
        if (claims.LegacyClaimsInvalid)
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyClaimType);
        }

        if (claims.IssuerIndex != TokenClaims.IssuerLegacy)
        {
            return ValidationOutcome.Failed(ValidationFailures.PreCheckIssuerMismatch);
        }

        // kube-apiserver substitutes its API audiences for a token without aud and still intersects them with the
        // requested (our) audiences; a legacy token that carries aud is checked like any other (docs/kube-apiserver.md §4 step 4).
        var matches = claims.HasAudience ? claims.AudienceMatches : ApiAudienceMatches(keys);
        if (matches == 0)
        {
            return ValidationOutcome.Failed(ValidationFailures.WrongAudience);
        }

        // kube-apiserver legacy.go: sub, namespace, secret name, SA name and uid are required, sub must match; no
        // time checks. Offline we cannot check the Secret still exists.
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

        // kube's SplitUsername: the namespace a DNS label, the name a DNS subdomain (so no ':' in either, no '/', and
        // never "." or "..") (docs/kube-apiserver.md §3.2).
        if (!IsDnsLabel(@namespace) || !IsDnsSubdomain(serviceAccountName))
        {
            return ValidationOutcome.Failed(ValidationFailures.LegacyBadUsername);
        }

        var identity = new ServiceAccountIdentity(@namespace, serviceAccountName)
        {
            ServiceAccountUid = claims.LegacyServiceAccountUid,
            SecretName = claims.LegacySecretName,
            Audiences = MatchedAudiences(matches),
            Issuer = LegacyIssuer,
            KeyId = key.KeyId.Length == 0 ? null : key.KeyId,
            IsLegacy = true,
        };
        return new ValidationOutcome(TokenVerificationResult.Success(identity, VerificationMode.Local), null, key, long.MaxValue);
    }

    /// <summary>
    /// The configured audiences that are API audiences (<c>Validation:ApiAudiences</c>, else the accepted issuers, as
    /// kube defaults <c>--api-audiences</c>): what a token without <c>aud</c> is valid for.
    /// </summary>
    private ulong ApiAudienceMatches(KeySetSnapshot keys)
    {
        var api = _apiAudiences ?? keys.Issuers;
        var matches = 0UL;
        for (var i = 0; i < _audiences.Length; i++)
        {
            foreach (var audience in api)
            {
                if (string.Equals(audience, _audiences[i], StringComparison.Ordinal))
                {
                    matches |= 1UL << i;
                    break;
                }
            }
        }

        return matches;
    }

    private static bool IsLegacyIssuerConfigured(KeySetSnapshot keys)
    {
        foreach (var issuer in keys.Issuers)
        {
            if (string.Equals(issuer, LegacyIssuer, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// TokenReview's <c>status.audiences</c>: kube intersects in the requested (configured) order, each audience once
    /// (docs/kube-apiserver.md §4 step 4).
    /// </summary>
    private IReadOnlyList<string> MatchedAudiences(ulong matches)
    {
        if ((matches & (matches - 1)) == 0)
        {
            return _singleAudience[BitOperations.TrailingZeroCount(matches)];
        }

        var list = new string[BitOperations.PopCount(matches)];
        var n = 0;
        for (var i = 0; i < _audiences.Length; i++)
        {
            if ((matches & (1UL << i)) != 0)
            {
                list[n++] = _audiences[i];
            }
        }

        return new ReadOnlyCollection<string>(list);
    }

    /// <summary>RFC 1123 label as Kubernetes validates namespace names: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.</summary>
    private static bool IsDnsLabel(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 63 || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 1123 subdomain as Kubernetes validates service account names: dot-separated labels, at most 253.</summary>
    private static bool IsDnsSubdomain(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 253)
        {
            return false;
        }

        foreach (var range in value.Split('.'))
        {
            var label = value[range];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    return false;
                }
            }
        }

        return true;
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

        if (!Ascii.IsValid(subject))
        {
            // Non-ASCII (e.g. U+FFFD from Go's repair of invalid UTF-8): compare as text, the rare slow way.
            var text = Encoding.UTF8.GetString(subject[prefix.Length..]);
            return text.Length == @namespace.Length + 1 + name.Length
                && text.StartsWith(@namespace, StringComparison.Ordinal)
                && text[@namespace.Length] == ':'
                && text.EndsWith(name, StringComparison.Ordinal);
        }

        subject = subject[prefix.Length..];
        return subject.Length == @namespace.Length + 1 + name.Length
            && Ascii.Equals(subject[..@namespace.Length], @namespace)
            && subject[@namespace.Length] == (byte)':'
            && Ascii.Equals(subject[(@namespace.Length + 1)..], name);
    }

    private static long UnixTicks(long seconds) => DateTimeOffset.UnixEpoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond);
}
