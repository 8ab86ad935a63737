namespace Verifier.TokenReview;

/// <summary>The result of one TokenReview: an answer about the token, or why there is none. Immutable, shared by the cache.</summary>
internal sealed class TokenReviewOutcome
{
    private static readonly Dictionary<string, IReadOnlyList<string>> NoExtra = new(StringComparer.Ordinal);

    private TokenReviewOutcome(
        TokenReviewOutcomeKind kind,
        TokenReviewUser? user,
        IReadOnlyList<string> audiences,
        string? error,
        int statusCode,
        TimeSpan? retryAfter)
    {
        Kind = kind;
        User = user;
        Audiences = audiences;
        Error = error;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    public TokenReviewOutcomeKind Kind { get; }

    /// <summary><c>status.user</c>; non-null exactly for <see cref="TokenReviewOutcomeKind.Authenticated"/>.</summary>
    public TokenReviewUser? User { get; }

    /// <summary><c>status.audiences</c> (the intersection of the token's and the requested audiences); empty unless authenticated.</summary>
    public IReadOnlyList<string> Audiences { get; }

    /// <summary><c>status.error</c>, the API server's <c>Status</c> message, or a description of the connection failure.</summary>
    public string? Error { get; }

    /// <summary>The HTTP status code; 0 when there was no response (connection failure, timeout, breaker open).</summary>
    public int StatusCode { get; }

    /// <summary>The API server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The verdict derived from this outcome (<see cref="TokenReviewVerification.ToVerdict"/>), memoised so that cache hits hand out one shared
    /// <see cref="TokenVerificationResult"/> instead of allocating. A benign race: two threads may build equal verdicts.
    /// </summary>
    internal TokenVerificationResult? Verdict { get; set; }

    public static TokenReviewOutcome Authenticated(TokenReviewUser user, IReadOnlyList<string>? audiences, int statusCode = 201)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(TokenReviewOutcomeKind.Authenticated, user, audiences ?? [], null, statusCode, null);
    }

    public static TokenReviewOutcome NotAuthenticated(string? error, int statusCode = 201) =>
        new(TokenReviewOutcomeKind.NotAuthenticated, null, [], error, statusCode, null);

    public static TokenReviewOutcome Unavailable(string error, int statusCode = 0, TimeSpan? retryAfter = null) =>
        new(TokenReviewOutcomeKind.Unavailable, null, [], error, statusCode, retryAfter);

    public static TokenReviewOutcome Misconfigured(string error, int statusCode) =>
        new(TokenReviewOutcomeKind.Misconfigured, null, [], error, statusCode, null);

    /// <summary>
    /// Classifies a non-201 answer: 408, 429 and 5xx are transient (<see cref="TokenReviewOutcomeKind.Unavailable"/>);
    /// 401/403 (our own credentials) and every other status are <see cref="TokenReviewOutcomeKind.Misconfigured"/>:
    /// retrying cannot fix them and they say nothing about the reviewed token.
    /// </summary>
    public static TokenReviewOutcome FromHttpError(int statusCode, string? message, TimeSpan? retryAfter)
    {
        var text = string.IsNullOrEmpty(message) ? "HTTP " + statusCode : message;
        return statusCode is 408 or 429 or >= 500
            ? Unavailable(text, statusCode, retryAfter)
            : Misconfigured(text, statusCode);
    }

    /// <summary>An empty <see cref="TokenReviewUser.Extra"/> map, shared.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyExtra => NoExtra;

    public override string ToString() => Kind switch
    {
        TokenReviewOutcomeKind.Authenticated => $"Authenticated({User!.Username})",
        _ => $"{Kind}({StatusCode}: {Error})",
    };
}
