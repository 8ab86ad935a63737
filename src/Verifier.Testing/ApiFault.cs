namespace Verifier.Testing;

/// <summary>
/// A misbehaviour <see cref="LocalApiServer"/> shows on one <see cref="ApiEndpoint"/> until cleared (or for
/// <see cref="Times"/> requests). Parts combine: a latency is applied first, then a dropped connection, a status
/// code, or a replacement body, in that order of precedence.
/// </summary>
public sealed record ApiFault
{
    /// <summary>Wall-clock delay before answering (not the server's <see cref="LocalApiServerOptions.TimeProvider"/>: this is network time). <see cref="Timeout.InfiniteTimeSpan"/> hangs until the client gives up.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Abort the connection without a response (HTTP/2: reset the stream).</summary>
    public bool DropConnection { get; init; }

    /// <summary>Answer with this status and a kube-style <c>Status</c> body (500 InternalError, 503 ServiceUnavailable, 429 TooManyRequests, …).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Sent as <c>Retry-After</c> (whole seconds) with <see cref="StatusCode"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// On <see cref="ApiEndpoint.Watch"/>: a watch stream sends nothing more (no events, no bookmarks, no end) and
    /// stays open until the client gives up, as behind a half-dead connection. A new watch gets its 200 and headers,
    /// then silence; an open one goes silent at once and stays silent even after the fault is cleared.
    /// </summary>
    public bool StallStream { get; init; }

    /// <summary>Replace a successful response body (same status and headers) with this text: malformed or empty JWKS, odd discovery.</summary>
    public string? Body { get; init; }

    /// <summary>Apply to this many requests, then clear itself. Default null: until cleared.</summary>
    public int? Times { get; init; }

    public static ApiFault Delay(TimeSpan latency) => new() { Latency = latency };

    /// <summary>Never answer; the client's timeout decides.</summary>
    public static ApiFault Hang() => new() { Latency = Timeout.InfiniteTimeSpan };

    /// <summary>Abort the connection without a response; on <see cref="ApiEndpoint.Watch"/> also cut the open streams.</summary>
    public static ApiFault Drop() => new() { DropConnection = true };

    /// <summary>For <see cref="ApiEndpoint.Watch"/>: streams stay open and go silent (see <see cref="StallStream"/>).</summary>
    public static ApiFault Stall() => new() { StallStream = true };

    public static ApiFault Status(int statusCode, TimeSpan? retryAfter = null) => new() { StatusCode = statusCode, RetryAfter = retryAfter };

    /// <summary>500 InternalError.</summary>
    public static ApiFault InternalError() => Status(500);

    /// <summary>503 ServiceUnavailable: the endpoint is down.</summary>
    public static ApiFault Unavailable(TimeSpan? retryAfter = null) => Status(503, retryAfter);

    /// <summary>429 with <c>Retry-After</c>, as API Priority and Fairness rejects.</summary>
    public static ApiFault TooManyRequests(TimeSpan retryAfter) => Status(429, retryAfter);

    /// <summary>404 as if the routes were not installed (kube-apiserver with an issuer that is not an https URL).</summary>
    public static ApiFault NotFound() => Status(404);

    /// <summary>A JWKS body cut in the middle of the first key.</summary>
    public static ApiFault MalformedJwks() => new() { Body = "{\"keys\":[{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":" };

    /// <summary><c>{"keys":[]}</c>.</summary>
    public static ApiFault EmptyJwks() => new() { Body = "{\"keys\":[]}" };

    public static ApiFault ReplaceBody(string body) => new() { Body = body };
}
