using Microsoft.Extensions.Options;

namespace Verifier.Shadow;

/// <summary>Validates <c>Verifier:Shadow</c> at start when shadow mode is configured; each message says how to fix the setting.</summary>
internal sealed class ShadowOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != VerificationMode.Shadow)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        var shadow = options.Shadow;
        if (shadow.Primary == VerificationMode.Shadow || shadow.Secondary == VerificationMode.Shadow)
        {
            errors.Add("Verifier:Shadow:Primary and Verifier:Shadow:Secondary must each be Local, TokenReview, Hybrid or Watch, not Shadow.");
        }
        else if (shadow.Primary == shadow.Secondary)
        {
            errors.Add($"Verifier:Shadow:Primary and Verifier:Shadow:Secondary are both {shadow.Primary}; compare two different modes (default: Local vs TokenReview).");
        }

        if (double.IsNaN(shadow.SampleRate) || shadow.SampleRate is < 0 or > 1)
        {
            errors.Add($"Verifier:Shadow:SampleRate must lie in 0..1 (it is {shadow.SampleRate}); the default is 0.1.");
        }

        OptionErrors.AtLeastOne(errors, shadow.MaxConcurrency, "Verifier:Shadow:MaxConcurrency");
        return OptionErrors.ToResult(errors);
    }
}
