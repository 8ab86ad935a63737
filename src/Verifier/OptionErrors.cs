using Microsoft.Extensions.Options;

namespace Verifier;

/// <summary>The option validators' shared phrasing: every message names the whole setting, its value and a fix.</summary>
internal static class OptionErrors
{
    /// <param name="errors">Where the message goes.</param>
    /// <param name="value">The setting's value.</param>
    /// <param name="setting">The whole setting name, e.g. <c>Verifier:Keys:RetryInterval</c>.</param>
    /// <param name="hint">What to use instead (and why), e.g. <c>e.g. 00:00:10</c>.</param>
    public static void Positive(List<string> errors, TimeSpan value, string setting, string hint)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{setting} must be greater than zero (it is {value}); {hint}.");
        }
    }

    public static void NotNegative(List<string> errors, TimeSpan value, string setting)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{setting} must not be negative; use 00:00:00 for none. Got {value}.");
        }
    }

    public static void AtLeastOne(List<string> errors, int value, string setting)
    {
        if (value < 1)
        {
            errors.Add($"{setting} must be at least 1 (it is {value}).");
        }
    }

    public static ValidateOptionsResult ToResult(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
