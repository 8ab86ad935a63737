using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Verifier.Cluster;

/// <summary>
/// Request logging for every named <see cref="HttpClient"/> the library creates or puts a credential on: the same
/// categories (<c>System.Net.Http.HttpClient.NAME.LogicalHandler</c> / <c>.ClientHandler</c>) and event ids as
/// IHttpClientFactory's default logging, with credential headers redacted in the message <em>and</em> in the
/// structured state.
/// </summary>
/// <remarks>
/// <c>RedactLoggedHeaders</c> alone is not enough: the default logger's header state is an
/// <c>IReadOnlyList&lt;KeyValuePair&lt;string, object&gt;&gt;</c> whose values are the raw headers; only its
/// <c>ToString()</c> applies the redaction, so any provider that records structured state (OpenTelemetry, JSON
/// console) stores our bearer token. The default loggers are therefore replaced, not configured.
/// </remarks>
internal static class ClusterHttpClientLogging
{
    /// <summary>Headers whose value is a credential: always redacted, whatever the client's own settings say.</summary>
    public static bool IsCredentialHeader(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Replaces the client's request loggers with <see cref="RedactingHttpClientLogger"/> at both positions, and makes
    /// <see cref="IsCredentialHeader"/> part of the client's <c>ShouldRedactHeaderValue</c> (which the replacement
    /// also honours, so a caller's own <c>RedactLoggedHeaders</c> keeps working). Loggers added to the client before
    /// this call are removed; add custom ones after it.
    /// </summary>
    public static IHttpClientBuilder AddRedactingLogging(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = builder.Name;

        // PostConfigure: runs after every RedactLoggedHeaders (which replaces the predicate), so ours is never lost.
        builder.Services.PostConfigure<HttpClientFactoryOptions>(name, options =>
        {
            var previous = options.ShouldRedactHeaderValue;
            options.ShouldRedactHeaderValue = header => IsCredentialHeader(header) || previous(header);
        });
        return builder
            .RemoveAllLoggers()
            .AddLogger(sp => Create(sp, name, RedactingHttpClientLogger.LogicalHandler), wrapHandlersPipeline: true)
            .AddLogger(sp => Create(sp, name, RedactingHttpClientLogger.ClientHandler), wrapHandlersPipeline: false);
    }

    private static RedactingHttpClientLogger Create(IServiceProvider services, string name, string position)
    {
        var loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var redact = services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(name).ShouldRedactHeaderValue;
        return new RedactingHttpClientLogger(loggers.CreateLogger($"System.Net.Http.HttpClient.{name}.{position}"), position, redact);
    }
}
