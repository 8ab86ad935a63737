namespace Verifier.Validation;

/// <summary>
/// The failure results of local validation, built once: a rejected token costs no allocation, and messages never
/// echo token content. Where kube-apiserver has a message for the same check, it is reused (docs/kube-apiserver.md §4, §3.2).
/// </summary>
internal static class ValidationFailures
{
    public static readonly TokenVerificationResult Empty = Malformed("token is empty");
    public static readonly TokenVerificationResult BadCharacter = Malformed("token contains a character that is neither base64url nor '.'");
    public static readonly TokenVerificationResult Padding = Malformed("token uses base64 padding ('='); JWS requires unpadded base64url");
    public static readonly TokenVerificationResult NotThreeParts = Malformed("token does not have exactly three dot-separated parts");
    public static readonly TokenVerificationResult HeaderEncoding = Malformed("token header is not valid base64url");
    public static readonly TokenVerificationResult HeaderJson = Malformed("token header is not a JSON object");
    public static readonly TokenVerificationResult HeaderNoAlgorithm = Malformed("token header has no alg");
    public static readonly TokenVerificationResult HeaderDuplicate = Malformed("token header repeats a member (go-jose refuses duplicate JSON members)");
    public static readonly TokenVerificationResult HeaderKeyIdType = Malformed("token header kid is not a string");
    public static readonly TokenVerificationResult HeaderKeyIdTooLong = Malformed("token header kid is longer than 1024 characters");
    public static readonly TokenVerificationResult PayloadEncoding = Malformed("token payload is not valid base64url");
    public static readonly TokenVerificationResult PayloadJson = Malformed("token payload is not a JSON object of claims");
    public static readonly TokenVerificationResult ClaimType = Malformed("a claim has the wrong type or is out of range");
    public static readonly TokenVerificationResult DuplicateMember = Malformed("token payload repeats a member (go-jose refuses duplicate JSON members)");
    public static readonly TokenVerificationResult BoundClaimType = Malformed("the kubernetes.io claim has a member of the wrong type or a repeated member");
    public static readonly TokenVerificationResult LegacyClaimType = Malformed("a kubernetes.io/serviceaccount/* claim is not a string");
    public static readonly TokenVerificationResult LegacyBadUsername = Malformed("sub claim is invalid (namespace must be a DNS label and name a DNS subdomain)");
    public static readonly TokenVerificationResult SignatureEncoding = Malformed("token signature is not valid base64url");
    public static readonly TokenVerificationResult NoIssuer = Malformed("token has no iss claim");
    public static readonly TokenVerificationResult PreCheckIssuerType = Malformed("a member named iss in another letter case is not a string (kube-apiserver's issuer pre-check fails)");
    public static readonly TokenVerificationResult NoExpiry = Malformed("token has no exp claim");
    public static readonly TokenVerificationResult NoKubernetesClaim = Malformed("token has no kubernetes.io claim");
    public static readonly TokenVerificationResult NoNamespace = Malformed("namespace claim is missing");
    public static readonly TokenVerificationResult NoServiceAccount = Malformed("serviceaccount name or uid claim is missing");
    public static readonly TokenVerificationResult NoSubject = Malformed("sub claim is missing");
    public static readonly TokenVerificationResult BadSubject = Malformed("sub claim is invalid");
    public static readonly TokenVerificationResult LegacyNoNamespace = Malformed("namespace claim is missing");
    public static readonly TokenVerificationResult LegacyNoSecretName = Malformed("secretName claim is missing");
    public static readonly TokenVerificationResult LegacyNoServiceAccountName = Malformed("serviceAccountName claim is missing");
    public static readonly TokenVerificationResult LegacyNoServiceAccountUid = Malformed("serviceAccountUID claim is missing");

    public static readonly TokenVerificationResult TooLarge = Failure(VerificationFailureReason.TooLarge, "token is longer than Verifier:Validation:MaxTokenBytes");

    public static readonly TokenVerificationResult AlgorithmNone = Failure(VerificationFailureReason.UnsupportedAlgorithm, "alg 'none' is never accepted");
    public static readonly TokenVerificationResult AlgorithmHmac = Failure(VerificationFailureReason.UnsupportedAlgorithm, "HMAC algorithms are never accepted");
    public static readonly TokenVerificationResult AlgorithmOther = Failure(VerificationFailureReason.UnsupportedAlgorithm, "alg is not one of RS256, ES256, ES384, ES512");
    public static readonly TokenVerificationResult EmbeddedKey = Failure(VerificationFailureReason.UnsupportedAlgorithm, "token header embeds or points to a key (jwk, jku, x5u, x5c), which is never trusted");
    public static readonly TokenVerificationResult UnencodedPayload = Failure(VerificationFailureReason.UnsupportedAlgorithm, "token header has \"b64\": false (RFC 7797 unencoded payload), which is not supported");
    public static readonly TokenVerificationResult Critical = Failure(VerificationFailureReason.UnsupportedAlgorithm, "token header has crit extensions, which are not supported");

    // kube-apiserver: "invalid signature, no keys found".
    public static readonly TokenVerificationResult UnknownKey = Failure(VerificationFailureReason.UnknownKey, "invalid signature, no keys found for the token's kid");
    public static readonly TokenVerificationResult BadSignature = Failure(VerificationFailureReason.BadSignature, "invalid signature");
    public static readonly TokenVerificationResult NoKeyForAlgorithm = Failure(VerificationFailureReason.BadSignature, "invalid signature, no key for the token's alg");

    public static readonly TokenVerificationResult Expired = Failure(VerificationFailureReason.Expired, "service account token has expired");
    public static readonly TokenVerificationResult NotYetValid = Failure(VerificationFailureReason.NotYetValid, "service account token is not valid yet");
    public static readonly TokenVerificationResult IssuedInFuture = Failure(VerificationFailureReason.IssuedInFuture, "service account token is issued in the future");
    public static readonly TokenVerificationResult WrongIssuer = Failure(VerificationFailureReason.WrongIssuer, "token issuer is not an accepted issuer");
    public static readonly TokenVerificationResult PreCheckIssuerMismatch = Failure(VerificationFailureReason.WrongIssuer, "token issuer is invalid: the iss claim differs from the issuer kube-apiserver's case-insensitive pre-check reads");
    public static readonly TokenVerificationResult LegacyIssuerNotConfigured = Failure(VerificationFailureReason.WrongIssuer, "token has issuer kubernetes/serviceaccount and bound claims, but kubernetes/serviceaccount is not in Verifier:Issuers");
    public static readonly TokenVerificationResult TooOld = Failure(VerificationFailureReason.Expired, "service account token is older than Verifier:Validation:MaxTokenAge (iat)");
    public static readonly TokenVerificationResult WrongAudience = Failure(VerificationFailureReason.WrongAudience, "token audiences do not include an accepted audience");
    public static readonly TokenVerificationResult LegacyRejected = Failure(VerificationFailureReason.LegacyTokenRejected, "Secret-based legacy tokens are not accepted (Verifier:Validation:AcceptLegacyTokens)");

    public static readonly TokenVerificationResult NoKeys = Failure(VerificationFailureReason.KeysUnavailable, "no key set has been loaded yet");
    public static readonly TokenVerificationResult KeysTooOld = Failure(VerificationFailureReason.KeysUnavailable, "the key set is older than Verifier:Keys:MaxStaleness and could not be refreshed");

    private static TokenVerificationResult Malformed(string message) => Failure(VerificationFailureReason.Malformed, message);

    private static TokenVerificationResult Failure(VerificationFailureReason reason, string message) =>
        TokenVerificationResult.Failure(reason, message, VerificationMode.Local);
}
