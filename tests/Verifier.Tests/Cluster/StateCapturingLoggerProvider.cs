using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Verifier.Tests.Cluster;

/// <summary>
/// Records every log entry at every level with its category, formatted message, every structured state value and
/// every scope's values, as a structured-logging provider (OpenTelemetry, JSON console) would store them.
/// </summary>
public sealed class StateCapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    /// <param name="Texts">The message, the state's ToString, each state value and each scope value, as text.</param>
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, IReadOnlyList<string> Texts);

    private static void AddValues(List<string> texts, object? state)
    {
        texts.Add(state?.ToString() ?? "");
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var pair in pairs)
            {
                texts.Add(pair.Key);
                texts.Add(Text(pair.Value));
            }
        }
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Text)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private sealed class CapturingLogger(StateCapturingLoggerProvider owner, string category) : ILogger
    {
        private static readonly AsyncLocal<ImmutableScopes?> Scopes = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            var parent = Scopes.Value;
            Scopes.Value = new ImmutableScopes(state, parent);
            return new Pop(parent);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var texts = new List<string> { message, exception?.ToString() ?? "" };
            AddValues(texts, state);
            for (var scope = Scopes.Value; scope is not null; scope = scope.Parent)
            {
                AddValues(texts, scope.State);
            }

            owner._entries.Enqueue(new Entry(category, logLevel, eventId.Id, message, texts));
        }

        private sealed record ImmutableScopes(object State, ImmutableScopes? Parent);

        private sealed class Pop(ImmutableScopes? parent) : IDisposable
        {
            public void Dispose() => Scopes.Value = parent;
        }
    }
}
