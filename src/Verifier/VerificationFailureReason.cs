using Verifier.Validation;
namespace Verifier;

/// <summary>Why a token was not accepted. Stable: values are used as metric tags and in HTTP responses.</summary>
public enum VerificationFailureReason
{
    /// <summary>The token was accepted.</summary>
    None = 0,

    /// <summary>Not a compact JWS: wrong part count, bad base64url (padding included), bad JSON, missing required claims.</summary>
    Malformed,

    /// <summary>Longer than <see cref="ValidationOptions.MaxTokenBytes"/>; rejected before decoding.</summary>
    TooLarge,

    /// <summary><c>alg</c> is not RS256/ES256/ES384/ES512, or the header tries to embed a key (<c>jwk</c>, <c>jku</c>, <c>x5u</c>, <c>x5c</c>).</summary>
    UnsupportedAlgorithm,

    /// <summary>The token names a <c>kid</c> that is not in the key set, even after a refresh.</summary>
    UnknownKey,

    /// <summary>No candidate key verifies the signature.</summary>
    BadSignature,

    /// <summary><c>exp</c> is more than the leeway in the past.</summary>
    Expired,

    /// <summary><c>nbf</c> is more than the leeway in the future.</summary>
    NotYetValid,

    /// <summary><c>iat</c> is more than the leeway in the future.</summary>
    IssuedInFuture,

    /// <summary><c>iss</c> is not one of the accepted issuers.</summary>
    WrongIssuer,

    /// <summary>None of the token's audiences is a configured audience.</summary>
    WrongAudience,

    /// <summary>A Secret-based legacy token (<c>iss</c> = <c>kubernetes/serviceaccount</c>) while those are not accepted.</summary>
    LegacyTokenRejected,

    /// <summary>No usable key set (never loaded, or older than the maximum staleness). Maps to HTTP 503, not 401.</summary>
    KeysUnavailable,

    /// <summary>The API server says the token's binding (service account, pod, secret or node) is gone or was replaced.</summary>
    BindingInvalidated,

    /// <summary>TokenReview answered <c>authenticated: false</c>; its error text is in the message.</summary>
    NotAuthenticated,

    /// <summary>The API server could not be reached or kept failing (fail-closed). Maps to HTTP 503.</summary>
    ApiServerUnavailable,

    /// <summary>The API server rejected the verifier's own credentials (401/403). Maps to HTTP 503 and is logged as misconfiguration.</summary>
    VerifierMisconfigured,
}
