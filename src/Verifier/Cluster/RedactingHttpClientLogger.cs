using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace Verifier.Cluster;

/// <summary>
/// IHttpClientFactory's request logging (start, headers, end) with credential headers shown as <c>*</c> in the
/// message and the structured state alike. See <see cref="ClusterHttpClientLogging"/> for why it exists.
/// </summary>
/// <remarks>
/// Event ids 100-103 and their names are IHttpClientFactory's own, not <c>VerifierEventIds</c>: filters and dashboards
/// written for the default HttpClient logging keep matching.
/// </remarks>
internal sealed partial class RedactingHttpClientLogger : IHttpClientLogger
{
    public const string LogicalHandler = "LogicalHandler";
    public const string ClientHandler = "ClientHandler";

    private readonly ILogger _logger;
    private readonly bool _logical;
    private readonly Func<string, bool> _shouldRedact;

    public RedactingHttpClientLogger(ILogger logger, string position, Func<string, bool> shouldRedact)
    {
        _logger = logger;
        _logical = position == LogicalHandler;
        _shouldRedact = shouldRedact;
    }

    public object? LogRequestStart(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Every API-server request passes here: build the redacted URI only when the line will be written.
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var uri = RedactedUri(request.RequestUri);
            if (_logical)
            {
                LogPipelineStart(_logger, request.Method, uri);
            }
            else
            {
                LogRequestStart(_logger, request.Method, uri);
            }
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            var headers = Format(request.Headers, request.Content?.Headers);
            if (_logical)
            {
                LogPipelineRequestHeaders(_logger, headers);
            }
            else
            {
                LogRequestHeaders(_logger, headers);
            }
        }

        return null;
    }

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(response);
        var milliseconds = elapsed.TotalMilliseconds;
        var status = (int)response.StatusCode;
        if (_logical)
        {
            LogPipelineEnd(_logger, milliseconds, status);
        }
        else
        {
            LogRequestEnd(_logger, milliseconds, status);
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            var headers = Format(response.Headers, response.Content?.Headers);
            if (_logical)
            {
                LogPipelineResponseHeaders(_logger, headers);
            }
            else
            {
                LogResponseHeaders(_logger, headers);
            }
        }
    }

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(request);
        LogFailed(_logger, request.Method, RedactedUri(request.RequestUri), elapsed.TotalMilliseconds, exception);
    }

    // As IHttpClientFactory does since .NET 9: a query string may carry a secret, so it is not logged.
    private static string RedactedUri(Uri? uri) =>
        uri is null ? "(none)"
        : !uri.IsAbsoluteUri ? uri.OriginalString.Split('?')[0]
        : uri.Query.Length == 0 ? uri.AbsoluteUri
        : uri.GetLeftPart(UriPartial.Path) + "?*";

    private string Format(HttpHeaders headers, HttpHeaders? contentHeaders)
    {
        var builder = new StringBuilder();
        Append(builder, headers);
        if (contentHeaders is not null)
        {
            Append(builder, contentHeaders);
        }

        return builder.ToString();
    }

    private void Append(StringBuilder builder, HttpHeaders headers)
    {
        foreach (var header in headers.NonValidated)
        {
            builder.Append(header.Key).Append(": ");
            if (ClusterHttpClientLogging.IsCredentialHeader(header.Key) || _shouldRedact(header.Key))
            {
                builder.Append('*');
            }
            else
            {
                builder.AppendJoin(", ", header.Value);
            }

            builder.AppendLine();
        }
    }

    [LoggerMessage(100, LogLevel.Information, "Start processing HTTP request {HttpMethod} {Uri}", EventName = "RequestPipelineStart")]
    private static partial void LogPipelineStart(ILogger logger, HttpMethod httpMethod, string uri);

    [LoggerMessage(101, LogLevel.Information, "End processing HTTP request after {ElapsedMilliseconds}ms - {StatusCode}", EventName = "RequestPipelineEnd")]
    private static partial void LogPipelineEnd(ILogger logger, double elapsedMilliseconds, int statusCode);

    [LoggerMessage(102, LogLevel.Trace, "Request Headers:\n{Headers}", EventName = "RequestPipelineRequestHeader")]
    private static partial void LogPipelineRequestHeaders(ILogger logger, string headers);

    [LoggerMessage(103, LogLevel.Trace, "Response Headers:\n{Headers}", EventName = "RequestPipelineResponseHeader")]
    private static partial void LogPipelineResponseHeaders(ILogger logger, string headers);

    [LoggerMessage(100, LogLevel.Information, "Sending HTTP request {HttpMethod} {Uri}", EventName = "RequestStart")]
    private static partial void LogRequestStart(ILogger logger, HttpMethod httpMethod, string uri);

    [LoggerMessage(101, LogLevel.Information, "Received HTTP response headers after {ElapsedMilliseconds}ms - {StatusCode}", EventName = "RequestEnd")]
    private static partial void LogRequestEnd(ILogger logger, double elapsedMilliseconds, int statusCode);

    [LoggerMessage(102, LogLevel.Trace, "Request Headers:\n{Headers}", EventName = "RequestHeader")]
    private static partial void LogRequestHeaders(ILogger logger, string headers);

    [LoggerMessage(103, LogLevel.Trace, "Response Headers:\n{Headers}", EventName = "ResponseHeader")]
    private static partial void LogResponseHeaders(ILogger logger, string headers);

    [LoggerMessage(104, LogLevel.Debug, "HTTP request {HttpMethod} {Uri} failed after {ElapsedMilliseconds}ms", EventName = "RequestFailed")]
    private static partial void LogFailed(ILogger logger, HttpMethod httpMethod, string uri, double elapsedMilliseconds, Exception exception);
}
