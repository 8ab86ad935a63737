using System.Collections.Concurrent;
using Verifier.TokenReview;

namespace Verifier.Tests.TestKit;

/// <summary>
/// A scripted <see cref="ITokenReviewTransport"/> for the reviewer's own state machines (retry, breaker, cache,
/// single flight). Behaviour that involves the API server itself is tested against LocalApiServer instead.
/// </summary>
internal sealed class FakeTokenReviewTransport : ITokenReviewTransport
{
    private readonly ConcurrentQueue<TokenReviewOutcome> _script = new();
    private int _calls;
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Answer when the script is empty. Default: authenticated as <c>system:serviceaccount:default:web</c>.</summary>
    public Func<string, TokenReviewOutcome> Respond { get; set; } = _ => Authenticated();

    /// <summary>When set, every call waits for it (or for its cancellation token) before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public ConcurrentQueue<string> Tokens { get; } = new();

    public ConcurrentQueue<IReadOnlyList<string>> Audiences { get; } = new();

    public void Enqueue(params TokenReviewOutcome[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            _script.Enqueue(outcome);
        }
    }

    public async ValueTask<TokenReviewOutcome> ReviewAsync(string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        Tokens.Enqueue(token);
        Audiences.Enqueue(audiences);
        var inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
        }

        try
        {
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return _script.TryDequeue(out var scripted) ? scripted : Respond(token);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public static TokenReviewOutcome Authenticated(string @namespace = "default", string name = "web", string uid = "sa-uid", string? podName = "web-0", string? podUid = "pod-uid", string audience = "api")
    {
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (podName is not null && podUid is not null)
        {
            extra[ServiceAccountIdentity.ExtraPodName] = [podName];
            extra[ServiceAccountIdentity.ExtraPodUid] = [podUid];
        }

        return TokenReviewOutcome.Authenticated(
            new TokenReviewUser($"system:serviceaccount:{@namespace}:{name}", uid, ["system:serviceaccounts", "system:serviceaccounts:" + @namespace, "system:authenticated"], extra),
            [audience]);
    }

    public static TokenReviewOutcome Invalidated() =>
        TokenReviewOutcome.NotAuthenticated("[invalid bearer token, service account token has been invalidated]");

    public static TokenReviewOutcome Expired() =>
        TokenReviewOutcome.NotAuthenticated("[invalid bearer token, service account token has expired]");

    public static TokenReviewOutcome ServerError(TimeSpan? retryAfter = null) =>
        TokenReviewOutcome.FromHttpError(503, "the server is currently unable to handle the request", retryAfter);

    public static TokenReviewOutcome TooManyRequests(TimeSpan retryAfter) =>
        TokenReviewOutcome.FromHttpError(429, "too many requests", retryAfter);

    public static TokenReviewOutcome Forbidden() => TokenReviewOutcome.FromHttpError(403,
        "tokenreviews.authentication.k8s.io is forbidden: User \"system:serviceaccount:default:verifier\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope",
        null);
}
