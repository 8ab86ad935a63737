using System.Globalization;

namespace Bench.E2e;

/// <summary>The <c>--name value</c> command lines of <c>e2e-apiserver</c> and <c>e2e-server</c>.</summary>
internal sealed class E2eArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private E2eArguments()
    {
    }

    /// <summary>Parses <paramref name="args"/>; null and a one-line <paramref name="error"/> on an unknown or valueless option.</summary>
    public static E2eArguments? Parse(string command, IReadOnlyList<string> args, IReadOnlySet<string> known, out string? error)
    {
        var parsed = new E2eArguments();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                error = $"{command}: unknown option '{name}' (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{command}: {name} needs a value";
                return null;
            }

            parsed._values[name] = args[++i];
        }

        return parsed;
    }

    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>A positive integer option, or <paramref name="fallback"/> when absent; null when it is not one.</summary>
    public int? PositiveInt(string name, int fallback) =>
        _values.TryGetValue(name, out var text)
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null
            : fallback;
}
