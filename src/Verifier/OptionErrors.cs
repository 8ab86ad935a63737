using Microsoft.Extensions.Options;

namespace Verifier;

/// <summary>The option validators' shared phrasing: every message names the setting and its value.</summary>
internal static class OptionErrors
{
    public static void NotNegative(List<string> errors, TimeSpan value, string setting)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{setting} must not be negative (it is {value}).");
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
