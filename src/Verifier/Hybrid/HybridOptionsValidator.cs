using Microsoft.Extensions.Options;

namespace Verifier.Hybrid;

/// <summary>Validates <c>Verifier:Hybrid</c> at start; each message says how to fix the setting.</summary>
internal sealed class HybridOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hybrid = options.Hybrid;
        OptionErrors.NotNegative(errors, hybrid.LivenessTtl, "Verifier:Hybrid:LivenessTtl");
        OptionErrors.NotNegative(errors, hybrid.OutageGrace, "Verifier:Hybrid:OutageGrace");
        OptionErrors.AtLeastOne(errors, hybrid.MaxBindings, "Verifier:Hybrid:MaxBindings");
        return OptionErrors.ToResult(errors);
    }
}
