using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.Testing;
using Verifier.TokenReview;

namespace Verifier.Tests.TestKit;

/// <summary>Options, clock, metrics and a reviewer over a <see cref="FakeTokenReviewTransport"/>, built fresh per test.</summary>
internal sealed class ReviewTestContext : IDisposable
{
    private readonly ServiceProvider _services;
    private TokenReviewer? _reviewer;
    private TokenHasher? _hasher;

    public ReviewTestContext()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new VerifierMetrics(_services.GetRequiredService<IMeterFactory>(), Time);
    }

    public KubernetesTokenVerifierOptions Options { get; } = new() { Audiences = ["api"] };

    public ManualTimeProvider Time { get; } = new();

    public FakeTokenReviewTransport Transport { get; } = new();

    public VerifierMetrics Metrics { get; }

    public IOptions<KubernetesTokenVerifierOptions> OptionsAccessor => Microsoft.Extensions.Options.Options.Create(Options);

    public TokenHasher Hasher => _hasher ??= new TokenHasher(OptionsAccessor);

    /// <summary>Built on first use, so a test can change <see cref="Options"/> first.</summary>
    public TokenReviewer Reviewer => _reviewer ??= new TokenReviewer(
        Transport, Options.TokenReview, [.. Options.Audiences], Hasher, Metrics, Time, NullLogger<TokenReviewer>.Instance);

    /// <summary><paramref name="strategy"/> behind the one entry (<see cref="TokenVerifier"/>), as the library registers every mode.</summary>
    public TokenVerifier Wrap(IVerificationStrategy strategy, VerificationMode mode, Microsoft.Extensions.Logging.ILogger<TokenVerifier>? logger = null) =>
        new(strategy, mode, Options.Validation, Hasher, Time, Metrics, logger ?? NullLogger<TokenVerifier>.Instance);

    public void Dispose()
    {
        _reviewer?.Dispose();
        _services.Dispose();
    }

    /// <summary>
    /// Advances the clock past a retry delay once the reviewer is waiting on it. Advancing earlier is a race: a timer
    /// created after the advance is due a full delay later and never fires, and the review never ends.
    /// </summary>
    public async Task AdvanceRetryDelayAsync(TimeSpan by)
    {
        await Eventually.WaitUntil(() => Reviewer.RetriesWaiting == 1, "the reviewer to wait for its retry delay");
        Time.Advance(by);
    }
}
