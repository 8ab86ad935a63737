using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>The reference verdict: one uncached TokenReview per token, for the run's audience.</summary>
internal static class Reference
{
    public static async Task<ReferenceVerdict> ReviewAsync(KubernetesApiClient api, string token, CancellationToken cancellationToken)
    {
        var result = await api.CreateTokenReviewAsync(token, [CompareRun.Audience], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // A 400 for an unparseable request is still "not authenticated"; anything else means the reference failed.
            return result.Error.StatusCode == 400
                ? new ReferenceVerdict(false, result.Error.Message)
                : throw new InvalidOperationException($"TokenReview failed: {result.Error}");
        }

        var status = result.Value.Status;
        return new ReferenceVerdict(status?.Authenticated == true, status?.Error);
    }
}
