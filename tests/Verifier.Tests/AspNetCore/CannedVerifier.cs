using System.Collections.Concurrent;
using Verifier;

namespace Verifier.Tests.AspNetCore;

/// <summary>
/// An in-test verifier double: answers canned verdicts by token string. The verifier is not an HTTP peer, so this
/// isolates the ASP.NET Core layer; end-to-end tests use the real verifier against LocalApiServer.
/// </summary>
internal sealed class CannedVerifier : IServiceAccountTokenVerifier
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<string, TokenVerificationResult> Results { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Seen { get; } = new();

    public VerifierStatus Status { get; set; } = new() { Mode = VerificationMode.Local, IsReady = true, KeyCount = 1 };

    public CannedVerifier Add(string token, TokenVerificationResult result)
    {
        Results[token] = result;
        return this;
    }

    public ValueTask<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default)
    {
        Seen.Enqueue(token);
        return ValueTask.FromResult(Results.TryGetValue(token, out var result)
            ? result
            : TokenVerificationResult.Failure(VerificationFailureReason.Malformed, "token is not a compact JWS"));
    }

    public VerifierStatus GetStatus() => Status;

    public void MarkReady() => _ready.TrySetResult();

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);
}
