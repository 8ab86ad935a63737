using System.Globalization;

namespace Bench;

/// <summary>
/// The <c>--name value</c> loop the Bench subcommands share (<c>soak</c>, <c>fleet</c>, <c>watch-index</c>): <c>--help</c>, an unknown
/// name, a missing value and a bad value each end the parse with one line that names the command and the option.
/// </summary>
internal static class CommandArguments
{
    /// <param name="command">The subcommand, first word of every error line.</param>
    /// <param name="args">The arguments after the subcommand.</param>
    /// <param name="names">The options that take a value.</param>
    /// <param name="apply">Sets one option from its value; returns the error line, or null when the value is good.</param>
    /// <param name="unknownHint">What to say after an unknown option, e.g. "see --help".</param>
    /// <param name="help">True when <c>--help</c> or <c>-h</c> was given (the parse stops there).</param>
    /// <returns>Null when every option was applied (or help was asked for), else the one error line.</returns>
    public static string? Parse(
        string command, IReadOnlyList<string> args, IReadOnlyCollection<string> names, Func<string, string, string?> apply, string unknownHint, out bool help)
    {
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                help = true;
                return null;
            }

            if (!names.Contains(name))
            {
                return $"{command}: unknown argument '{name}'; {unknownHint}";
            }

            if (i + 1 >= args.Count)
            {
                return $"{command}: {name} needs a value; see --help";
            }

            if (apply(name, args[++i]) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or the error line.</summary>
    public static string? ParseCount(string command, string name, string value, int min, int max, Action<int> set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            return $"{command}: {name} '{value}' is not a whole number from {min} to {max}";
        }

        set(n);
        return null;
    }
}
