namespace Verifier.Cluster;

/// <summary>A failed API-server call: the HTTP status, the <c>Status</c> message and reason, and Retry-After.</summary>
/// <param name="Kind">How to treat it.</param>
/// <param name="StatusCode">The HTTP status; null when no response arrived.</param>
/// <param name="Message">The API server's <c>Status.message</c>, or a description of the transport failure. Never holds a token.</param>
internal sealed record KubernetesApiError(KubernetesApiErrorKind Kind, int? StatusCode, string Message)
{
    /// <summary>The API server's <c>Status.reason</c> (e.g. <c>Forbidden</c>, <c>NotFound</c>, <c>Invalid</c>).</summary>
    public string? Reason { get; init; }

    /// <summary>The parsed <c>Retry-After</c> (delta-seconds or HTTP date, relative to now), never negative.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Worth retrying later: 429, 5xx, timeouts and connection failures.</summary>
    public bool IsTransient => Kind is KubernetesApiErrorKind.TooManyRequests or KubernetesApiErrorKind.ServerError
        or KubernetesApiErrorKind.Timeout or KubernetesApiErrorKind.Unreachable;

    /// <summary>
    /// 401/403: the API server refused the verifier's OWN credential or permissions. A misconfiguration to report as such,
    /// never as "token not authenticated".
    /// </summary>
    public bool IsCredentialRejected => Kind is KubernetesApiErrorKind.Unauthorized or KubernetesApiErrorKind.Forbidden;

    public override string ToString() =>
        StatusCode is { } code ? $"{Kind} ({code}{(Reason is null ? "" : " " + Reason)}): {Message}" : $"{Kind}: {Message}";
}
