using Microsoft.Extensions.Options;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Checks a scheme's <see cref="KubernetesServiceAccountOptions.Audiences"/> at start: each must be one of the
/// verifier's audiences (<see cref="KubernetesTokenVerifierOptions.Audiences"/>), the one home of the accepted
/// audiences, or the scheme could never accept a token.
/// </summary>
internal sealed class KubernetesServiceAccountOptionsValidator(IOptionsMonitor<KubernetesTokenVerifierOptions> verifierOptions)
    : IValidateOptions<KubernetesServiceAccountOptions>
{
    private const string Section = KubernetesTokenVerifierOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesServiceAccountOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Audiences.Count == 0)
        {
            return ValidateOptionsResult.Skip;
        }

        IList<string> accepted;
        try
        {
            accepted = verifierOptions.CurrentValue.Audiences;
        }
        catch (OptionsValidationException)
        {
            // The verifier's own ValidateOnStart reports it, e.g. "Verifier:Audiences must list at least one audience".
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        for (var i = 0; i < options.Audiences.Count; i++)
        {
            var audience = options.Audiences[i];
            if (string.IsNullOrWhiteSpace(audience))
            {
                errors.Add($"Authentication scheme '{name}': Audiences[{i}] is empty; remove it or set the audience string.");
            }
            else if (accepted.Count > 0 && !accepted.Contains(audience))
            {
                // No accepted audiences at all: an application's own verifier, whose audiences the scheme cannot see.
                errors.Add(
                    $"Authentication scheme '{name}' narrows its audiences to '{audience}', which the token verifier does not accept " +
                    $"({Section}:Audiences is [{string.Join(", ", accepted)}]). The accepted audiences live in one place: add '{audience}' to " +
                    $"{Section}:Audiences (the scheme's Audiences only selects among them), or remove it from the scheme.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
