using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Verifier.Testing.Tokens;

/// <summary>
/// kube-apiserver's service-account token authentication as TokenReview and request authentication use it:
/// the legacy authenticator (<c>kubernetes/serviceaccount</c>) then the bound one (configured issuers), each
/// following pkg/serviceaccount/jwt.go (issuer pre-check, kid → keys, signature, audiences) and the validators of
/// claims.go / legacy.go; errors aggregated as <c>[invalid bearer token, …]</c>; an optional success cache keyed by
/// token and audiences (tokencache).
/// </summary>
internal sealed partial class TokenAuthenticator(ApiServerSettings settings, ObjectStore store, KeyRing keys, string adminToken)
{
    /// <summary>The static admin token's user (a token-file entry in group <c>system:masters</c>).</summary>
    public static readonly AuthenticatedUser Admin = new("local-admin", null, ["system:masters", AuthenticatedUser.AuthenticatedGroup], new(StringComparer.Ordinal));

    private const string InvalidBearerToken = "invalid bearer token";

    private readonly Lock _cacheLock = new();
    private readonly Dictionary<string, (TokenReviewOutcome Outcome, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    /// <param name="token">The bearer token.</param>
    /// <param name="requestedAudiences">TokenReview <c>spec.audiences</c>; null or empty means the API audiences.</param>
    public TokenReviewOutcome Authenticate(string token, IReadOnlyList<string>? requestedAudiences)
    {
        var requested = requestedAudiences is { Count: > 0 } ? requestedAudiences : settings.ApiAudiences;
        var cacheKey = settings.ReviewCacheTtl > TimeSpan.Zero ? string.Join('\u0000', requested) + "\u0001" + token : null;
        if (cacheKey is not null)
        {
            lock (_cacheLock)
            {
                if (_cache.TryGetValue(cacheKey, out var hit) && hit.Expires > settings.Time.GetUtcNow())
                {
                    return hit.Outcome;
                }
            }
        }

        // The static token authenticator is audience-agnostic: it accepts when the request targets an API audience.
        if (token.Length == adminToken.Length && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(adminToken)))
        {
            var implicitAudiences = settings.ApiAudiences.Where(requested.Contains).ToList();
            if (implicitAudiences.Count > 0)
            {
                return new TokenReviewOutcome(true, Admin, implicitAudiences, null);
            }
        }

        var errors = new List<string> { InvalidBearerToken };
        var snapshot = keys.Current;
        foreach (var legacy in (ReadOnlySpan<bool>)[true, false])
        {
            var outcome = AuthenticateJwt(token, legacy, requested, snapshot, errors);
            if (outcome is not null)
            {
                if (cacheKey is not null)
                {
                    lock (_cacheLock)
                    {
                        var now = settings.Time.GetUtcNow();
                        if (_cache.Count > 10_000)
                        {
                            foreach (var expired in _cache.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
                            {
                                _cache.Remove(expired);
                            }
                        }

                        _cache[cacheKey] = (outcome, now + settings.ReviewCacheTtl);
                    }
                }

                return outcome;
            }
        }

        return new TokenReviewOutcome(false, null, null, Aggregate(errors));
    }

    /// <summary>utilerrors aggregate: de-duplicated, bare when one message, else <c>[a, b]</c>.</summary>
    private static string Aggregate(List<string> messages)
    {
        var distinct = messages.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }

    /// <summary>One jwtTokenAuthenticator. Null when not authenticated; errors (if any) appended to <paramref name="errors"/>.</summary>
    private TokenReviewOutcome? AuthenticateJwt(string token, bool legacy, IReadOnlyList<string> requested, KeyRingSnapshot snapshot, List<string> errors)
    {
        // 1. hasCorrectIssuer on the unverified payload: "not mine" adds no error. Go's encoding/json reads iss with
        // case-insensitive member names, last match wins.
        if (token.Trim().StartsWith('{'))
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || !RawUrlBase64.TryDecode(parts[1], out var payload) || !TryReadIssuer(GoText.Repair(payload), out var unverifiedIssuer))
        {
            return null;
        }

        if (legacy ? unverifiedIssuer != ClaimsJson.LegacyIssuer : !settings.Issuers.Contains(unverifiedIssuer))
        {
            return null;
        }

        // 2. jwt.ParseSigned (go-jose v4, ParseSignedCompact: no whitespace stripping beyond what base64 skips): a
        // header or signature that does not parse is "not mine" too.
        if (!RawUrlBase64.TryDecode(parts[0], out var headerBytes)
            || !RawUrlBase64.TryDecode(parts[2], out var signature)
            || !TryReadHeader(GoText.Repair(headerBytes), out var alg, out var kid, out var unencodedPayload, out var critical))
        {
            return null;
        }

        var candidates = snapshot.Candidates(kid);
        if (candidates.Count == 0)
        {
            errors.Add("invalid signature, no keys found");
            return null;
        }

        // go-jose verifies over the re-encoded header and payload (so unused bits and newlines do not matter), or over
        // the raw payload bytes when the header says "b64": false (RFC 7797).
        var signingInput = unencodedPayload
            ? [.. Encoding.ASCII.GetBytes(RawUrlBase64.Encode(headerBytes) + "."), .. payload]
            : Encoding.ASCII.GetBytes(RawUrlBase64.Encode(headerBytes) + "." + RawUrlBase64.Encode(payload));
        string? signatureError = null;
        var verified = false;
        foreach (var key in candidates)
        {
            signatureError = critical ? "go-jose/go-jose: error in cryptographic primitive" : Verify(key, alg, signingInput, signature);
            if (signatureError is null)
            {
                verified = true;
                break;
            }
        }

        if (!verified)
        {
            errors.Add(signatureError!);
            return null;
        }

        Claims claims;
        try
        {
            claims = Claims.Parse(GoText.Repair(payload), legacy);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Approximation: Go reports the encoding/json error text here.
            errors.Add("json: cannot unmarshal claims: " + e.Message);
            return null;
        }

        // 3. Sanity re-check of the issuer.
        if (legacy ? claims.Issuer != ClaimsJson.LegacyIssuer : !settings.Issuers.Contains(claims.Issuer ?? ""))
        {
            errors.Add($"token issuer {GoJson.Quote(claims.Issuer ?? "")} is invalid");
            return null;
        }

        // 4. Audiences: a token without aud (legacy) gets the API audiences; the result is Audiences.Intersect, in the
        // requested order.
        var tokenAudiences = claims.Audiences.Count > 0 ? claims.Audiences : settings.ApiAudiences;
        var audiences = requested.Where(tokenAudiences.Contains).ToList();
        if (audiences.Count == 0 && settings.ApiAudiences.Count > 0)
        {
            errors.Add($"token audiences {GoJson.QuoteList(tokenAudiences)} is invalid for the target audiences {GoJson.QuoteList(requested)}");
            return null;
        }

        var (error, user) = legacy ? ValidateLegacy(token, claims) : ValidateBound(claims);
        if (error is not null)
        {
            errors.Add(error);
            return null;
        }

        return new TokenReviewOutcome(true, user, audiences, null);
    }

    /// <summary>claims.go validator.Validate.</summary>
    private (string? Error, AuthenticatedUser? User) ValidateBound(Claims c)
    {
        var now = settings.Time.GetUtcNow();
        var leeway = ApiServerSettings.Leeway;
        if (c.NotBefore is { } nbf && now + leeway < DateTimeOffset.FromUnixTimeSeconds(nbf))
        {
            return ("service account token is not valid yet", null);
        }

        if (c.Expiry is { } exp && now - leeway > DateTimeOffset.FromUnixTimeSeconds(exp))
        {
            return ("service account token has expired", null);
        }

        if (c.IssuedAt is { } iat && now + leeway < DateTimeOffset.FromUnixTimeSeconds(iat))
        {
            return ("service account token is issued in the future", null);
        }

        var invalidIfDeletedBefore = now - leeway;
        var ns = c.Namespace ?? "";
        var saName = c.ServiceAccount.Name ?? "";
        var sa = store.Get<ServiceAccountObject>("serviceaccounts", ns, saName);
        if (sa is null)
        {
            return ($"serviceaccounts {GoJson.Quote(saName)} not found", null);
        }

        if (sa.Uid != (c.ServiceAccount.Uid ?? ""))
        {
            return ($"service account UID ({sa.Uid}) does not match claim ({c.ServiceAccount.Uid})", null);
        }

        if (sa.IsDeletedBefore(invalidIfDeletedBefore))
        {
            return ($"service account {ns}/{saName} has been deleted", null);
        }

        if (c.Secret is { } secretRef)
        {
            var secret = store.Get<SecretObject>("secrets", ns, secretRef.Name ?? "");
            if (secret is null)
            {
                return ("service account token has been invalidated", null);
            }

            if ((secretRef.Uid ?? "") != secret.Uid)
            {
                return ($"secret UID ({secret.Uid}) does not match service account secret ref claim ({secretRef.Uid})", null);
            }

            if (secret.IsDeletedBefore(invalidIfDeletedBefore))
            {
                return ("service account token has been invalidated", null);
            }
        }

        string? podName = null, podUid = null;
        if (c.Pod is { } podRef)
        {
            var pod = store.Get<PodObject>("pods", ns, podRef.Name ?? "");
            if (pod is null)
            {
                return ("service account token has been invalidated", null);
            }

            if ((podRef.Uid ?? "") != pod.Uid)
            {
                return ($"pod UID ({pod.Uid}) does not match service account pod ref claim ({podRef.Uid})", null);
            }

            if (pod.IsDeletedBefore(invalidIfDeletedBefore))
            {
                return ("service account token has been invalidated", null);
            }

            podName = podRef.Name;
            podUid = podRef.Uid;
        }

        string? nodeName = null, nodeUid = null;
        if (c.Node is { } nodeRef)
        {
            if (c.Pod is not null)
            {
                // Pod-bound: node claims are copied without a lookup.
                nodeName = nodeRef.Name;
                nodeUid = nodeRef.Uid;
            }
            else
            {
                var node = store.Get<NodeObject>("nodes", null, nodeRef.Name ?? "");
                if (node is null)
                {
                    return ("service account token has been invalidated", null);
                }

                if ((nodeRef.Uid ?? "") != node.Uid)
                {
                    return ($"node UID ({node.Uid}) does not match service account node ref claim ({nodeRef.Uid})", null);
                }

                if (node.IsDeletedBefore(invalidIfDeletedBefore))
                {
                    return ("service account token has been invalidated", null);
                }

                nodeName = nodeRef.Name;
                nodeUid = nodeRef.Uid;
            }
        }

        var extra = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(podName) && !string.IsNullOrEmpty(podUid))
        {
            extra["authentication.kubernetes.io/pod-name"] = [podName];
            extra["authentication.kubernetes.io/pod-uid"] = [podUid];
        }

        if (!string.IsNullOrEmpty(c.Id))
        {
            extra["authentication.kubernetes.io/credential-id"] = ["JTI=" + c.Id];
        }

        if (!string.IsNullOrEmpty(nodeName))
        {
            extra["authentication.kubernetes.io/node-name"] = [nodeName];
            if (!string.IsNullOrEmpty(nodeUid))
            {
                extra["authentication.kubernetes.io/node-uid"] = [nodeUid];
            }
        }

        return (null, ServiceAccountUser(ns, saName, c.ServiceAccount.Uid, extra));
    }

    /// <summary>legacy.go legacyValidator.Validate with <c>--service-account-lookup=true</c>.</summary>
    private (string? Error, AuthenticatedUser? User) ValidateLegacy(string token, Claims c)
    {
        if (string.IsNullOrEmpty(c.Subject))
        {
            return ("sub claim is missing", null);
        }

        if (string.IsNullOrEmpty(c.LegacyNamespace))
        {
            return ("namespace claim is missing", null);
        }

        if (string.IsNullOrEmpty(c.LegacySecretName))
        {
            return ("secretName claim is missing", null);
        }

        if (string.IsNullOrEmpty(c.LegacyServiceAccountName))
        {
            return ("serviceAccountName claim is missing", null);
        }

        if (string.IsNullOrEmpty(c.LegacyServiceAccountUid))
        {
            return ("serviceAccountUID claim is missing", null);
        }

        var ns = c.LegacyNamespace;
        var name = c.LegacyServiceAccountName;
        if (!SplitUsername(c.Subject, out var subjectNamespace, out var subjectName) || subjectNamespace != ns || subjectName != name)
        {
            return ("sub claim is invalid", null);
        }

        var secret = store.Get<SecretObject>("secrets", ns, c.LegacySecretName);
        if (secret is null || secret.DeletionTimestamp is not null)
        {
            return ("Token has been invalidated", null);
        }

        var stored = secret.Data.TryGetValue("token", out var t) ? t : [];
        if (!CryptographicOperations.FixedTimeEquals(stored, Encoding.UTF8.GetBytes(token)))
        {
            return ("Token does not match server's copy", null);
        }

        var sa = store.Get<ServiceAccountObject>("serviceaccounts", ns, name);
        if (sa is null)
        {
            return ($"serviceaccounts {GoJson.Quote(name)} not found", null);
        }

        if (sa.DeletionTimestamp is not null)
        {
            return ($"ServiceAccount {ns}/{name} has been deleted", null);
        }

        if (sa.Uid != c.LegacyServiceAccountUid)
        {
            return ($"ServiceAccount UID ({sa.Uid}) does not match claim ({c.LegacyServiceAccountUid})", null);
        }

        if (secret.Labels.TryGetValue("kubernetes.io/legacy-token-invalid-since", out var since) && since.Length > 0)
        {
            return ($"the token in secret {ns}/{c.LegacySecretName} for service account {ns}/{name} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token", null);
        }

        return (null, ServiceAccountUser(ns, name, c.LegacyServiceAccountUid, new SortedDictionary<string, List<string>>(StringComparer.Ordinal)));
    }

    private static AuthenticatedUser ServiceAccountUser(string ns, string name, string? uid, SortedDictionary<string, List<string>> extra) =>
        new(ClaimsJson.Username(ns, name), string.IsNullOrEmpty(uid) ? null : uid, [AuthenticatedUser.ServiceAccountsGroup, AuthenticatedUser.ServiceAccountsGroup + ":" + ns, AuthenticatedUser.AuthenticatedGroup], extra);

    /// <summary>go-jose v2 verifyPayload texts.</summary>
    private static string? Verify(SigningKey key, string alg, byte[] input, byte[] signature)
    {
        switch (key.Key)
        {
            case RSA rsa:
                var (hash, padding) = alg switch
                {
                    "RS256" => (HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                    "RS384" => (HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
                    "RS512" => (HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
                    "PS256" => (HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
                    "PS384" => (HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
                    "PS512" => (HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
                    _ => (default(HashAlgorithmName), null!),
                };
                if (padding is null)
                {
                    return "go-jose/go-jose: unknown/unsupported algorithm";
                }

                return rsa.VerifyData(input, signature, hash, padding) ? null : "go-jose/go-jose: error in cryptographic primitive";
            case ECDsa ec:
                var (size, ecHash) = alg switch
                {
                    "ES256" => (32, HashAlgorithmName.SHA256),
                    "ES384" => (48, HashAlgorithmName.SHA384),
                    "ES512" => (66, HashAlgorithmName.SHA512),
                    _ => (0, default),
                };
                if (size == 0)
                {
                    return "go-jose/go-jose: unknown/unsupported algorithm";
                }

                if (signature.Length != 2 * size)
                {
                    return $"go-jose/go-jose: invalid signature size, have {signature.Length} bytes, wanted {2 * size}";
                }

                bool ok;
                try
                {
                    ok = ec.VerifyData(input, signature, ecHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
                catch (CryptographicException)
                {
                    ok = false;
                }

                return ok ? null : "go-jose/go-jose: ecdsa signature failed to verify";
            default:
                return "go-jose/go-jose: unknown/unsupported algorithm";
        }
    }

    /// <summary>
    /// serviceaccount.SplitUsername: <c>system:serviceaccount:</c>, then exactly two ':'-separated parts, the namespace a
    /// DNS-1123 label and the name a DNS-1123 subdomain.
    /// </summary>
    private static bool SplitUsername(string username, out string @namespace, out string name)
    {
        @namespace = name = "";
        const string Prefix = "system:serviceaccount:";
        if (!username.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = username[Prefix.Length..].Split(':');
        if (parts.Length != 2 || !DnsLabel().IsMatch(parts[0]) || parts[0].Length > 63 || parts[1].Length > 253
            || !parts[1].Split('.').All(l => DnsLabel().IsMatch(l)))
        {
            return false;
        }

        (@namespace, name) = (parts[0], parts[1]);
        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex DnsLabel();

    /// <summary>
    /// The unverified <c>iss</c> as Go's json.Unmarshal into <c>struct{Issuer string `json:"iss"`}</c> reads it: member
    /// names fold case (Unicode simple folding, so <c>ſ</c> is an <c>s</c>), the last match wins, null leaves the value,
    /// any other type is an error. Duplicates are fine here.
    /// </summary>
    private static bool TryReadIssuer(byte[] payload, out string issuer)
    {
        issuer = "";
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return doc.RootElement.ValueKind == JsonValueKind.Null;
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (string.Equals(p.Name.Replace('\u017F', 's'), "iss", StringComparison.OrdinalIgnoreCase))
                {
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        issuer = p.Value.GetString()!;
                    }
                    else if (p.Value.ValueKind != JsonValueKind.Null)
                    {
                        return false;
                    }
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// go-jose's header parsing: a JSON object without repeated members at any depth (go-jose's own JSON), string
    /// <c>alg</c> and <c>kid</c>; <c>b64</c> honoured only when a boolean; <c>crit</c> may only name <c>b64</c>.
    /// </summary>
    private static bool TryReadHeader(byte[] header, out string alg, out string kid, out bool unencodedPayload, out bool unsupportedCritical)
    {
        alg = "";
        kid = "";
        unencodedPayload = false;
        unsupportedCritical = false;
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || Claims.HasDuplicateMembers(doc.RootElement, int.MaxValue))
            {
                return false;
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "alg" or "kid" when p.Value.ValueKind != JsonValueKind.String:
                        return false;
                    case "alg":
                        alg = p.Value.GetString()!;
                        break;
                    case "kid":
                        kid = p.Value.GetString()!;
                        break;
                    case "b64":
                        unencodedPayload = p.Value.ValueKind == JsonValueKind.False;
                        break;
                    case "crit":
                        unsupportedCritical = p.Value.ValueKind != JsonValueKind.Array
                            || p.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString() != "b64");
                        break;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
