using Microsoft.Extensions.Options;
using Verifier.Validation;
using Verifier.Keys;

namespace Verifier;

/// <summary>
/// Checks the settings at the root of <see cref="KubernetesTokenVerifierOptions"/> (audiences, issuers, mode) at start
/// (<c>ValidateOnStart</c>); each feature validates its own section next to its options (Keys, Validation, Cluster,
/// TokenReview, Hybrid, Shadow). Every message names the setting and says how to fix it.
/// </summary>
internal sealed class KubernetesTokenVerifierOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    private const string Section = KubernetesTokenVerifierOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var mode = VerificationModeSelection.Resolve(options);

        if (options.Audiences.Count == 0)
        {
            errors.Add($"{Section}:Audiences must list at least one audience this service accepts, e.g. \"{Section}:Audiences:0\": \"https://my-service.example\" — the audience clients request in their projected token (serviceAccountToken.audience) or TokenRequest. There is no \"accept any audience\"; this list is the one home of the accepted audiences (an ASP.NET Core scheme's Audiences only narrows it).");
        }
        else if (options.Audiences.Count > TokenValidator.MaxAudiences)
        {
            errors.Add($"{Section}:Audiences lists {options.Audiences.Count} audiences; at most {TokenValidator.MaxAudiences} are supported. Give the service fewer, broader audiences.");
        }

        for (var i = 0; i < options.Audiences.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Audiences[i]))
            {
                errors.Add($"{Section}:Audiences:{i} is empty; remove it or set the audience string.");
            }
        }

        for (var i = 0; i < options.Issuers.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Issuers[i]))
            {
                errors.Add($"{Section}:Issuers:{i} is empty; remove it or set the issuer exactly as tokens carry it in iss, e.g. https://kubernetes.default.svc.cluster.local.");
            }
        }

        if (mode is VerificationMode.TokenReview or VerificationMode.Hybrid && !VerificationModeSelection.HasApiServer(options.ApiServer))
        {
            errors.Add($"{Section}:Mode {mode} needs an API server: set {Section}:ApiServer:Server or {Section}:ApiServer:KubeconfigPath, run in a pod, or set {Section}:Mode to Local.");
        }

        return OptionErrors.ToResult(errors);
    }
}
