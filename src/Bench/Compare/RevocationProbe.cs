using System.Diagnostics;
using Verifier;

namespace Bench.Compare;

/// <summary>
/// Revocation latency: a pod is deleted (30 s termination grace), the shared clock moves to 0.1 s before its tokens
/// stop being valid for kube-apiserver (deletionTimestamp + 60 s, docs/kube-apiserver.md §4), the token is verified
/// once more (accepted: the last acceptance, which a caching mode caches — its worst case), the clock moves past the
/// leeway, and the token is verified every 2 ms until the first rejection. The latency is real time from the
/// leeway's end to that rejection.
/// </summary>
/// <remarks>
/// The clock moves in steps of at most 30 s with a bookmark on every open watch after each (kube-apiserver sends one
/// about once a minute), so a watch stays as alive as it would be in real time instead of passing
/// <c>Watch:MaxLag</c> in one jump and falling back to TokenReview.
/// </remarks>
internal static class RevocationProbe
{
    private static readonly TimeSpan ClockStep = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    /// <summary>Whether the probe runs for a mode: offline modes accept a deleted pod's token until it expires, by design.</summary>
    public static bool Applies(VerificationMode mode) => mode is VerificationMode.TokenReview or VerificationMode.Hybrid or VerificationMode.Watch;

    /// <param name="bound">How long to wait for the first rejection (the caching modes' TTL plus headroom).</param>
    public static async Task<RevocationResult> RunAsync(
        string mode, IServiceAccountTokenVerifier verifier, IRevocationTarget target, TimeProvider time, TimeSpan bound, CancellationToken ct)
    {
        var pod = $"revoked-{mode}";
        var token = await target.CreatePodWithTokenAsync(pod, ct).ConfigureAwait(false);
        var live = await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
        if (!live.Succeeded)
        {
            return RevocationResult.Failed($"the live pod's token was refused ({live.Reason})");
        }

        var leewayEnd = target.DeletePod(pod);
        await MoveClockAsync(target, verifier, time, leewayEnd - TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);

        // The last steps without waiting for bookmarks (the watches were just fresh), so real time cannot carry the
        // clock past the leeway before the last acceptance.
        if (leewayEnd - TimeSpan.FromMilliseconds(100) - time.GetUtcNow() is var toLast && toLast > TimeSpan.Zero)
        {
            target.Advance(toLast);
        }

        var last = await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
        if (!last.Succeeded)
        {
            return RevocationResult.Failed($"refused before the leeway ended ({last.Reason}: {last.Message})");
        }

        if (leewayEnd - time.GetUtcNow() is var rest && rest > TimeSpan.Zero)
        {
            target.Advance(rest + TimeSpan.FromMilliseconds(1));
        }

        var clock = Stopwatch.StartNew();
        var verifications = 0;
        while (clock.Elapsed < bound)
        {
            var result = await verifier.VerifyAsync(token, ct).ConfigureAwait(false);
            verifications++;
            if (!result.Succeeded)
            {
                return new RevocationResult(Math.Round(clock.Elapsed.TotalMilliseconds, 2), result.Reason.ToString(), result.Mode.ToString(), verifications, null);
            }

            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }

        return RevocationResult.Failed($"still accepted {bound.TotalSeconds:0} s after the leeway ended");
    }

    /// <summary>Moves the shared clock to <paramref name="to"/> in steps, bookmarking the watches (and, in watch mode, waiting until they are fresh) after each.</summary>
    private static async Task MoveClockAsync(IRevocationTarget target, IServiceAccountTokenVerifier verifier, TimeProvider time, DateTimeOffset to, CancellationToken ct)
    {
        while (to - time.GetUtcNow() is var step && step > TimeSpan.Zero)
        {
            target.Advance(step < ClockStep ? step : ClockStep);
            target.SendWatchBookmarks();
            if (verifier.GetStatus().WatchSynced is null)
            {
                continue;
            }

            // Bounded: a watch that stays stale is what the probe then measures (its fallback to TokenReview).
            await Polling.UntilAsync(() => verifier.GetStatus().WatchLag is { } lag && lag <= TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), PollInterval, ct)
                .ConfigureAwait(false);
        }
    }
}
