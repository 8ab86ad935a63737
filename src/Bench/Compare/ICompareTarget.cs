using Verifier;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>The API server the run measures against: the embedded LocalApiServer or a real cluster.</summary>
internal interface ICompareTarget : IAsyncDisposable
{
    /// <summary>One line for the report header.</summary>
    string Description { get; }

    /// <summary>The clock shared by the target and every verifier of the run.</summary>
    TimeProvider Time { get; }

    /// <summary>Points <paramref name="options"/> at the API server with the verifier's own (reviewer) credential.</summary>
    void ConfigureVerifierConnection(ApiServerOptions options);

    /// <summary>The issuers the verifiers accept; empty: the one discovery names.</summary>
    IReadOnlyList<string> Issuers { get; }

    /// <summary>Called before each mode's verifier loads its keys.</summary>
    void VerifierStarting();

    /// <summary>Called once each mode's verifier is ready, before the corpus goes through it.</summary>
    void VerifierReady();

    /// <summary>Creates the service accounts and pods, mints the corpus, then deletes/recreates pods and rotates keys.</summary>
    Task<Corpus> PrepareAsync(CompareOptions options, ProgressLine progress, CancellationToken cancellationToken);

    /// <summary>TokenReviews the API server itself has answered so far; null when it cannot tell (real cluster).</summary>
    long? ServerTokenReviewCount { get; }

    /// <summary>TCP connections the API server has accepted so far; null when it cannot tell (real cluster).</summary>
    long? ServerConnectionsOpened { get; }

    /// <summary>Watch streams the API server holds open right now; null when it cannot tell (real cluster).</summary>
    int? ServerOpenWatches { get; }

    /// <summary>What the revocation probe needs (a pod to delete, a clock to move); null when the target has no movable clock (real cluster).</summary>
    IRevocationTarget? Revocation { get; }

    /// <summary>A no-op HTTPS round trip to the API server over a kept-alive connection: the floor for TokenReview latency.</summary>
    Task FloorRequestAsync(CancellationToken cancellationToken);

    /// <summary>TokenReview of <paramref name="token"/> for the run's audience, uncached: the reference verdict.</summary>
    Task<ReferenceVerdict> ReviewAsync(string token, CancellationToken cancellationToken);
}
