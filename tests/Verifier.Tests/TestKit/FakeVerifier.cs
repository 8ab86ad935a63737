namespace Verifier.Tests.TestKit;

/// <summary>A scripted verifier standing in for a mode that is not under test (the local verifier in hybrid unit tests, either side of shadow).</summary>
internal sealed class FakeVerifier(VerificationMode mode) : IServiceAccountTokenVerifier, IVerificationStrategy
{
    private int _calls;

    public Func<string, TokenVerificationResult> Respond { get; set; } = _ => TokenVerificationResult.Success(Identity(), mode);

    /// <summary>When set, every call waits for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public VerifierStatus Status { get; set; } = new() { Mode = mode, IsReady = true };

    public async ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return Respond(token);
    }

    public VerifierStatus GetStatus() => Status;

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

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
