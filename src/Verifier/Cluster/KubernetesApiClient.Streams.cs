using Microsoft.Extensions.Logging;

namespace Verifier.Cluster;

internal sealed partial class KubernetesApiClient
{
    /// <summary>
    /// A <c>GET</c> whose body is a stream that may stay open for minutes (a watch). The request timeout covers only
    /// the headers; the caller reads the body under its own bounds (the watch's <c>timeoutSeconds</c>, a stall
    /// detector, a per-line size cap) and disposes the response. A non-success status is read (capped) and returned as
    /// an error, as <see cref="SendAsync"/> would.
    /// </summary>
    internal async Task<(HttpResponseMessage? Response, KubernetesApiError? Error)> OpenStreamAsync(string path, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path.TrimStart('/'), UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_requestTimeout);
        KubernetesApiError error;
        HttpResponseMessage? response = null;
        try
        {
            response = await _http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var ok = response;
                response = null;
                return (ok, null);
            }

            var (bytes, tooLarge) = await ReadCappedAsync(response.Content, _maxResponseBytes, deadline.Token).ConfigureAwait(false);
            error = ErrorFromResponse(response, tooLarge ? default : bytes);
        }
        catch (Exception ex) when (TransportFailure(ex, "response headers", cancellationToken) is { } failure)
        {
            error = failure;
        }
        finally
        {
            response?.Dispose();
        }

        ClusterLog.RequestFailed(_logger, error.IsCredentialRejected ? LogLevel.Warning : LogLevel.Debug, "GET", path, error.Kind,
            error.StatusCode, error.Reason, error.Message);
        return (null, error);
    }
}
