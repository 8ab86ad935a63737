using Verifier.Cluster;
using Verifier.Hybrid;
using Verifier.Keys;
using Verifier.Shadow;
using Verifier.TokenReview;
using Verifier.Validation;
using Verifier.Watch;
namespace Verifier;

/// <summary>Options for the verifier, bound from the <c>Verifier</c> configuration section.</summary>
public sealed class KubernetesTokenVerifierOptions
{
    /// <summary>The configuration section bound by default.</summary>
    public const string SectionName = "Verifier";

    /// <summary>
    /// Audiences this service accepts; a token must carry at least one. Required: an empty list is a
    /// startup error, never "accept any". No default. The one home of the accepted audiences: an ASP.NET Core
    /// scheme's <c>Audiences</c> can only select among these.
    /// </summary>
    public IList<string> Audiences { get; set; } = [];

    /// <summary>
    /// Accepted issuers. Empty (default): the issuer of the discovery document (or, for static keys,
    /// a startup error). kube-apiserver accepts every <c>--service-account-issuer</c> during migrations.
    /// </summary>
    public IList<string> Issuers { get; set; } = [];

    /// <summary>
    /// Null (default): <see cref="VerificationMode.Hybrid"/> when an API server is configured, otherwise
    /// <see cref="VerificationMode.Local"/>.
    /// </summary>
    public VerificationMode? Mode { get; set; }

    public KeySourceOptions Keys { get; set; } = new();

    public ValidationOptions Validation { get; set; } = new();

    public ResultCacheOptions Cache { get; set; } = new();

    public ApiServerOptions ApiServer { get; set; } = new();

    public TokenReviewOptions TokenReview { get; set; } = new();

    public HybridOptions Hybrid { get; set; } = new();

    public ShadowOptions Shadow { get; set; } = new();

    public WatchOptions Watch { get; set; } = new();
}
