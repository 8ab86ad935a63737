using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Verifier.Tests.AspNetCore;

/// <summary>
/// Captures every log entry of every category at every level, rendered as text together with its exception and
/// every structured state value and scope, so a test can search all of it.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>Everything captured, one entry per line, for searching.</summary>
    public string AllText() => string.Join('\n', Entries.Select(e => e.ToString()));

    internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string State, string Scopes, string? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message} | {State} | {Scopes} | {Exception}";
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join("; ", pairs.Select(p => p.Key + "=" + p.Value))
                : state?.ToString() ?? string.Empty;
            var scopes = new List<string>();
            owner._scopes.ForEachScope((scope, list) => list.Add(scope is IEnumerable<KeyValuePair<string, object?>> kv
                ? string.Join("; ", kv.Select(p => p.Key + "=" + p.Value))
                : scope?.ToString() ?? string.Empty), scopes);
            owner.Entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, string.Join(" / ", scopes), exception?.ToString()));
        }
    }
}
