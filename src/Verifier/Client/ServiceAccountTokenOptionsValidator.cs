using Microsoft.Extensions.Options;

namespace Verifier.Client;

/// <summary>Start-up validation of <see cref="ServiceAccountTokenOptions"/> (every named instance), with messages that say what to fix.</summary>
internal sealed class ServiceAccountTokenOptionsValidator : IValidateOptions<ServiceAccountTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceAccountTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.TokenRequest is { } tokenRequest
            ? TokenRequestSourceOptionsValidator.Validate(tokenRequest)
            : ValidateProjected(options.Projected);
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail($"HttpClient '{name}': {problem}");
    }

    /// <returns>Null when valid, else what to fix.</returns>
    public static string? ValidateProjected(ProjectedTokenSourceOptions? projected) =>
        projected is null || string.IsNullOrWhiteSpace(projected.Path) ? "Projected:Path is required (the projected token file)."
        : projected.RereadInterval <= TimeSpan.Zero ? "Projected:RereadInterval must be positive; the default is 1 min."
        : projected.NearExpiryFraction is <= 0 or > 1 || double.IsNaN(projected.NearExpiryFraction) ? "Projected:NearExpiryFraction must be in (0, 1]; the default is 0.9."
        : null;
}
