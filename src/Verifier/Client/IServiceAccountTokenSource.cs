namespace Verifier.Client;

/// <summary>Where a workload gets the service-account token it presents to other services.</summary>
public interface IServiceAccountTokenSource
{
    /// <summary>
    /// The current token (raw JWT, without <c>Bearer </c>). With <paramref name="forceRefresh"/> the source re-reads the
    /// file or requests a new token first (after a 401 from the server).
    /// </summary>
    /// <exception cref="ServiceAccountTokenException">When no token that is still valid can be obtained; the kind says why.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires.</exception>
    ValueTask<string> GetTokenAsync(bool forceRefresh = false, CancellationToken cancellationToken = default);

    /// <summary>The last token obtained, with its expiry; null before the first. May be expired: use <see cref="GetTokenAsync"/> to send one.</summary>
    ServiceAccountToken? Current { get; }
}
