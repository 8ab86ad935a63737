using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Diagnostics;
using Verifier.Testing;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

/// <summary>Options, clock, metrics and a reviewer over a <see cref="FakeTokenReviewTransport"/>, built fresh per test.</summary>
internal sealed class ReviewTestContext : IDisposable
{
    private readonly ServiceProvider _services;
    private TokenReviewer? _reviewer;
    private TokenReviewKeyHasher? _hasher;

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

    public TokenReviewKeyHasher Hasher => _hasher ??= new TokenReviewKeyHasher(OptionsAccessor, Metrics);

    /// <summary>Built on first use, so a test can change <see cref="Options"/> first.</summary>
    public TokenReviewer Reviewer => _reviewer ??= new TokenReviewer(Transport, OptionsAccessor, Hasher, Metrics, Time, NullLogger<TokenReviewer>.Instance);

    public void Dispose()
    {
        _reviewer?.Dispose();
        _hasher?.Dispose();
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
