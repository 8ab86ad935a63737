using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Verifier.Client;

/// <summary>
/// Sends <c>Authorization: Bearer &lt;token&gt;</c> from an <see cref="IServiceAccountTokenSource"/>. When the server
/// answers 401 (e.g. the token rotated or the server's keys did), the source is forced to reload and the request is
/// sent once more. The body is replayed only when that is safe: no body, an in-memory body (string, bytes, form, JSON),
/// or one of known length up to <see cref="MaxReplayBufferBytes"/>, which is buffered first; otherwise the 401 is returned.
/// </summary>
public sealed class ServiceAccountTokenHandler : DelegatingHandler
{
    /// <summary>Bodies of unknown length or longer than this are not buffered for a retry. 1 MiB.</summary>
    public const int MaxReplayBufferBytes = 1024 * 1024;

    private readonly IServiceAccountTokenSource _source;
    private readonly ILogger _logger;

    public ServiceAccountTokenHandler(IServiceAccountTokenSource source, ILogger<ServiceAccountTokenHandler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <exception cref="ServiceAccountTokenException">When the source has no valid token; the request is not sent.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await _source.GetTokenAsync(forceRefresh: false, cancellationToken).ConfigureAwait(false);
        var replayable = await PrepareForReplayAsync(request.Content, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        if (!replayable)
        {
            ClientLog.NoRetryOn401(_logger, request.Method.Method, request.RequestUri?.Host);
            return response;
        }

        ClientLog.RetryOn401(_logger, request.Method.Method, request.RequestUri?.Host);

        // Disposed first: if the reload throws (no valid token at all), nothing is left open.
        response.Dispose();
        var fresh = await _source.GetTokenAsync(forceRefresh: true, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<bool> PrepareForReplayAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        switch (content)
        {
            case null:
            // These serialize from memory every time they are sent.
            case ByteArrayContent:
            case ReadOnlyMemoryContent:
            case JsonContent:
                return true;
            case MultipartContent:
                // Its parts decide; buffering it whole is the safe answer when its length is known.
                break;
        }

        if (content.Headers.ContentLength is { } length && length <= MaxReplayBufferBytes)
        {
            // Buffered content is re-sent from the buffer; the underlying stream is read once.
            await content.LoadIntoBufferAsync(MaxReplayBufferBytes, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return false;
    }
}
