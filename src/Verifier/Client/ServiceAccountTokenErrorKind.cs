namespace Verifier.Client;

/// <summary>Why a token source could not give a valid token.</summary>
public enum ServiceAccountTokenErrorKind
{
    /// <summary>The projected token file is missing or unreadable, and no earlier token is still valid.</summary>
    Unreadable,

    /// <summary>The file or the API server's answer does not hold a usable JWT.</summary>
    Malformed,

    /// <summary>The only token available has expired (the kubelet stopped refreshing the file).</summary>
    Expired,

    /// <summary>TokenRequest 401: the API server rejected the caller's own credential.</summary>
    Unauthorized,

    /// <summary>TokenRequest 403: the caller may not <c>create</c> <c>serviceaccounts/token</c> for that service account.</summary>
    Forbidden,

    /// <summary>TokenRequest 404: the service account (or the bound object) does not exist.</summary>
    NotFound,

    /// <summary>TokenRequest 400/409/422: the request was refused (e.g. <c>expirationSeconds</c> below 600, a bound-object UID mismatch).</summary>
    Invalid,

    /// <summary>TokenRequest failed on 429/5xx/timeouts/connection errors on every attempt.</summary>
    Unavailable,
}
