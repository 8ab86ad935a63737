using Microsoft.Extensions.Options;

namespace Verifier.Validation;

/// <summary>Validates <c>Verifier:Validation</c> and <c>Verifier:Cache</c> at start; every message says how to fix the setting.</summary>
internal sealed class ValidationOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    private const string Section = KubernetesTokenVerifierOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateValidation(options.Validation, errors);
        ValidateCache(options.Cache, errors);
        return OptionErrors.ToResult(errors);
    }

    private static void ValidateValidation(ValidationOptions validation, List<string> errors)
    {
        OptionErrors.NotNegative(errors, validation.ExpirationLeeway, Section + ":Validation:ExpirationLeeway");
        OptionErrors.NotNegative(errors, validation.NotBeforeLeeway, Section + ":Validation:NotBeforeLeeway");
        OptionErrors.NotNegative(errors, validation.IssuedAtLeeway, Section + ":Validation:IssuedAtLeeway");
        if (validation.MaxTokenBytes <= 0)
        {
            errors.Add($"{Section}:Validation:MaxTokenBytes must be greater than 0, e.g. 16384 (Kubernetes tokens are about 1-2 KB).");
        }

        if (validation.MaxTokenAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:Validation:MaxTokenAge must be greater than zero, e.g. 90.00:00:00 on EKS; remove it for no limit. Got {maxAge}.");
        }

        for (var i = 0; i < validation.ApiAudiences.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(validation.ApiAudiences[i]))
            {
                errors.Add($"{Section}:Validation:ApiAudiences:{i} is empty; remove it or set it to one of the API server's --api-audiences.");
            }
        }
    }

    private static void ValidateCache(ResultCacheOptions cache, List<string> errors)
    {
        if (cache.MaxEntries <= 0)
        {
            errors.Add($"{Section}:Cache:MaxEntries must be greater than 0, e.g. 10000; set {Section}:Cache:Enabled to false to turn the cache off.");
        }

        OptionErrors.NotNegative(errors, cache.SuccessTtl, Section + ":Cache:SuccessTtl");
        OptionErrors.NotNegative(errors, cache.FailureTtl, Section + ":Cache:FailureTtl");
    }
}
