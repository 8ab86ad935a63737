using System.Collections.Concurrent;

namespace Verifier.Tests.TestKit;

/// <summary>
/// The one verifier double. Scripted (<see cref="Respond"/>) it stands in for a mode that is not under test (the local
/// verifier in hybrid unit tests, either side of shadow); canned (<see cref="Canned"/>, verdicts by token string) it
/// isolates the ASP.NET Core layer and the host, since the verifier is not an HTTP peer. End-to-end tests use the
/// real verifier against LocalApiServer.
/// </summary>
internal sealed class FakeVerifier : IServiceAccountTokenVerifier, IVerificationStrategy
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>Answers success with <see cref="Identity"/> for every token not <see cref="Add"/>ed; ready at once.</summary>
    public FakeVerifier(VerificationMode mode)
    {
        Respond = _ => TokenVerificationResult.Success(Identity(), mode);
        Status = new() { Mode = mode, IsReady = true };
        _ready.TrySetResult();
    }

    private FakeVerifier()
    {
        Respond = _ => TokenVerificationResult.Failure(VerificationFailureReason.Malformed, "token is not a compact JWS");
        Status = new() { Mode = VerificationMode.Local, IsReady = true, KeyCount = 1 };
    }

    /// <summary>
    /// A Local-mode verifier that answers the verdicts <see cref="Add"/>ed for a token and Malformed for any other, and
    /// whose <see cref="WaitUntilReadyAsync"/> waits for <see cref="MarkReady"/>.
    /// </summary>
    public static FakeVerifier Canned() => new();

    /// <summary>The verdict for a token that has none <see cref="Add"/>ed.</summary>
    public Func<string, TokenVerificationResult> Respond { get; set; }

    /// <summary>Verdicts by exact token string; they take precedence over <see cref="Respond"/>.</summary>
    public ConcurrentDictionary<string, TokenVerificationResult> Results { get; } = new(StringComparer.Ordinal);

    /// <summary>Every token passed to <see cref="VerifyAsync"/>, in order.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    /// <summary>When set, every call waits for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public VerifierStatus Status { get; set; }

    public FakeVerifier Add(string token, TokenVerificationResult result)
    {
        Results[token] = result;
        return this;
    }

    public async ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        Seen.Enqueue(token);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return Results.TryGetValue(token, out var result) ? result : Respond(token);
    }

    public VerifierStatus GetStatus() => Status;

    public void MarkReady() => _ready.TrySetResult();

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>A pod-bound identity as local verification would build it.</summary>
    public static ServiceAccountIdentity Identity(
        string @namespace = "default",
        string name = "web",
        string? saUid = "sa-uid",
        string? podName = "web-0",
        string? podUid = "pod-uid",
        string? jti = null) => new(@namespace, name)
        {
            ServiceAccountUid = saUid,
            PodName = podName,
            PodUid = podUid,
            NodeName = podName is null ? null : "node-1",
            NodeUid = podName is null ? null : "node-uid",
            TokenId = jti,
            Audiences = ["api"],
            Issuer = "https://kubernetes.default.svc.cluster.local",
            KeyId = "kid-1",
        };
}
