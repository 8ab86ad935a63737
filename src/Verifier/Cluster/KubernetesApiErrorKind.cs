namespace Verifier.Cluster;

/// <summary>What went wrong talking to the API server, in the terms a caller decides on.</summary>
internal enum KubernetesApiErrorKind
{
    /// <summary>401: the API server does not accept OUR credential (expired or wrong token, wrong client certificate). Misconfiguration.</summary>
    Unauthorized,

    /// <summary>403: our identity lacks the RBAC permission (e.g. <c>create tokenreviews</c>, <c>create serviceaccounts/token</c>). Misconfiguration.</summary>
    Forbidden,

    /// <summary>404: the object (service account, pod) does not exist.</summary>
    NotFound,

    /// <summary>409: e.g. a bound-object UID that does not match the live object.</summary>
    Conflict,

    /// <summary>422: the request failed validation (e.g. <c>expirationSeconds</c> below 600).</summary>
    Invalid,

    /// <summary>Any other 4xx.</summary>
    BadRequest,

    /// <summary>429, with <see cref="KubernetesApiError.RetryAfter"/> when the server sent one. Transient.</summary>
    TooManyRequests,

    /// <summary>5xx. Transient.</summary>
    ServerError,

    /// <summary>No answer within <see cref="ApiServerOptions.RequestTimeout"/>. Transient.</summary>
    Timeout,

    /// <summary>Connection refused, DNS, TLS handshake (e.g. an untrusted certificate). Transient from the caller's view.</summary>
    Unreachable,

    /// <summary>A 2xx whose body is too large or not the expected JSON.</summary>
    InvalidResponse,
}
