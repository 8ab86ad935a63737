using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Verifier.Cluster.Resources;

namespace Verifier.Cluster;

/// <summary>
/// The typed client for the few API-server endpoints the library needs: TokenReview, TokenRequest, and the metadata
/// list and watch streams of the watch mode (<c>KubernetesApiClient.Streams.cs</c>). Uses the named <see cref="ClusterHttpClient"/> (relative URIs), System.Text.Json source
/// generation, one timeout over send and body, and a size cap enforced while reading. Every failure is a
/// <see cref="KubernetesApiError"/> result; only the caller's cancellation throws.
/// </summary>
internal sealed partial class KubernetesApiClient
{
    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");

    private readonly Func<HttpClient> _http;
    private readonly TimeSpan _requestTimeout;
    private readonly int _maxResponseBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary><paramref name="http"/> returns the configured client (the factory's named client: cheap, created per call).</summary>
    public KubernetesApiClient(Func<HttpClient> http, ApiServerOptions options, TimeProvider time, ILogger<KubernetesApiClient> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _requestTimeout = options.RequestTimeout;
        _maxResponseBytes = options.MaxResponseBytes;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>. A 201 whose <c>status.authenticated</c> is false is a success
    /// result. Null or empty <paramref name="audiences"/>: the API server's own audiences.
    /// </summary>
    public Task<KubernetesApiResult<V1TokenReview>> CreateTokenReviewAsync(string token, IEnumerable<string>? audiences, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var review = new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = ToList(audiences) } };
        return SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", review, KubernetesJsonContext.Default.V1TokenReview,
            KubernetesJsonContext.Default.V1TokenReview, cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/v1/namespaces/NS/serviceaccounts/NAME/token</c> with this client's credential (RBAC: <c>create
    /// serviceaccounts/token</c>). Null or empty <paramref name="audiences"/>: the API server's audiences. Null
    /// <paramref name="expirationSeconds"/>: the API server's default (3600); below 600 the API server answers 422.
    /// </summary>
    public Task<KubernetesApiResult<V1TokenRequest>> CreateTokenAsync(
        string @namespace,
        string serviceAccount,
        IEnumerable<string>? audiences,
        long? expirationSeconds,
        V1BoundObjectReference? boundObjectRef,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        var request = new V1TokenRequest
        {
            Spec = new V1TokenRequestSpec { Audiences = ToList(audiences), ExpirationSeconds = expirationSeconds, BoundObjectRef = boundObjectRef },
        };
        return SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Escape(@namespace)}/serviceaccounts/{Escape(serviceAccount)}/token", request,
            KubernetesJsonContext.Default.V1TokenRequest, KubernetesJsonContext.Default.V1TokenRequest, cancellationToken);
    }

    /// <summary>
    /// One request to the API server under the client's deadline, size cap and typed errors: the typed calls above,
    /// and the benchmark's own pod and service-account calls (src/Bench), go through it.
    /// </summary>
    internal async Task<KubernetesApiResult<TResponse>> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest? body,
        JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        string? accept = null,
        int? maxResponseBytes = null)
        where TRequest : class
        where TResponse : class
    {
        var cap = maxResponseBytes ?? _maxResponseBytes;
        // Relative to the server URL, path included: behind a path-routing proxy (Rancher's /k8s/clusters/{id}) the
        // API lives under it, as kubectl treats a kubeconfig server with a path. The base address ends with '/'.
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (accept is null)
        {
            request.Headers.Accept.Add(JsonMediaType);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (body is not null && requestType is not null)
        {
            // A byte array, not a stream: it has a Content-Length and can be replayed by any retrying handler.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        // One deadline over headers AND body: HttpClient.Timeout alone does not cover reading a streamed body.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_requestTimeout);
        KubernetesApiError error;
        try
        {
            using var response = await _http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var (bytes, tooLarge) = await ReadCappedAsync(response.Content, cap, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                if (tooLarge)
                {
                    error = new KubernetesApiError(KubernetesApiErrorKind.InvalidResponse, (int)response.StatusCode,
                        maxResponseBytes is null
                            ? $"The response is larger than ApiServer:MaxResponseBytes ({_maxResponseBytes} bytes)."
                            : $"The response is larger than {cap} bytes.");
                }
                else if (TryDeserialize(bytes, responseType) is { } value)
                {
                    return KubernetesApiResult<TResponse>.Success(value);
                }
                else
                {
                    error = new KubernetesApiError(KubernetesApiErrorKind.InvalidResponse, (int)response.StatusCode,
                        $"The response is not a valid {typeof(TResponse).Name[2..]} (content type {response.Content.Headers.ContentType?.MediaType ?? "none"}).");
                }
            }
            else
            {
                error = ErrorFromResponse(response, tooLarge ? default : bytes);
            }
        }
        catch (Exception ex) when (TransportFailure(ex, "complete answer", cancellationToken) is { } failure)
        {
            error = failure;
        }

        ClusterLog.RequestFailed(_logger, error.IsCredentialRejected ? LogLevel.Warning : LogLevel.Debug, method.Method, path, error.Kind,
            error.StatusCode, error.Reason, error.Message);
        return KubernetesApiResult<TResponse>.Failure(error);
    }

    /// <summary>
    /// The error for an exception from sending a request or reading its answer: our own deadline
    /// (ApiServer:RequestTimeout), our own credential (an exec plugin failed: the same class as a 401 on it), or the
    /// transport. Null for anything else, which propagates (the caller's cancellation among them).
    /// </summary>
    private KubernetesApiError? TransportFailure(Exception ex, string waitedFor, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new KubernetesApiError(KubernetesApiErrorKind.Timeout, null,
            $"No {waitedFor} within ApiServer:RequestTimeout ({_requestTimeout.TotalSeconds:0.###} s)."),
        HttpRequestException { HttpRequestError: HttpRequestError.UserAuthenticationError } => new KubernetesApiError(KubernetesApiErrorKind.Unauthorized, null, ex.Message),
        HttpRequestException http => new KubernetesApiError(KubernetesApiErrorKind.Unreachable, null, Describe(http)),
        IOException => new KubernetesApiError(KubernetesApiErrorKind.Unreachable, null, ex.Message),
        _ => null,
    };

    private static async Task<(ReadOnlyMemory<byte> Bytes, bool TooLarge)> ReadCappedAsync(HttpContent content, int maxResponseBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } length && length > maxResponseBytes)
        {
            return (default, true);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(content.Headers.ContentLength ?? 4096, maxResponseBytes) + 1];
            var count = 0;
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count > maxResponseBytes)
                    {
                        return (default, true);
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)maxResponseBytes + 1));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer.AsMemory(0, count), false);
                }

                count += read;
            }
        }
    }

    internal KubernetesApiError ErrorFromResponse(HttpResponseMessage response, ReadOnlyMemory<byte> body)
    {
        var code = (int)response.StatusCode;
        var kind = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => KubernetesApiErrorKind.Unauthorized,
            HttpStatusCode.Forbidden => KubernetesApiErrorKind.Forbidden,
            HttpStatusCode.NotFound => KubernetesApiErrorKind.NotFound,
            HttpStatusCode.Conflict => KubernetesApiErrorKind.Conflict,
            HttpStatusCode.UnprocessableEntity => KubernetesApiErrorKind.Invalid,
            HttpStatusCode.TooManyRequests => KubernetesApiErrorKind.TooManyRequests,
            _ when code >= 500 => KubernetesApiErrorKind.ServerError,
            _ when code >= 400 => KubernetesApiErrorKind.BadRequest,

            // Redirects are not followed (a bearer token must not travel to another host).
            _ => KubernetesApiErrorKind.InvalidResponse,
        };

        var status = TryDeserialize(body, KubernetesJsonContext.Default.V1Status);
        var message = status?.Message is { Length: > 0 } statusMessage ? statusMessage : PlainText(body) ?? response.ReasonPhrase ?? response.StatusCode.ToString();
        return new KubernetesApiError(kind, code, message)
        {
            Reason = status?.Reason is { Length: > 0 } reason ? reason : null,
            RetryAfter = ParseRetryAfter(response.Headers.RetryAfter),
        };
    }

    private TimeSpan? ParseRetryAfter(RetryConditionHeaderValue? retryAfter)
    {
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static T? TryDeserialize<T>(ReadOnlyMemory<byte> bytes, JsonTypeInfo<T> type)
        where T : class
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes.Span, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // A short, single-line excerpt of a non-Status body (e.g. from kubectl proxy or a load balancer).
    private static string? PlainText(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(body.Span[..Math.Min(body.Length, 200)]);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var trimmed = builder.ToString().Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    internal static string Describe(HttpRequestException ex) =>
        ex.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) && !ex.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{ex.Message} ({inner.Message})"
            : ex.Message;

    private static List<string>? ToList(IEnumerable<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        var list = new List<string>(values);
        return list.Count == 0 ? null : list;
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
