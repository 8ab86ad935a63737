using Microsoft.Extensions.Options;

namespace Verifier.TokenReview;

/// <summary>Validates <c>Verifier:TokenReview</c> at start; each message says how to fix the setting.</summary>
internal sealed class TokenReviewOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    private const string Section = "Verifier:TokenReview:";

    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var review = options.TokenReview;
        OptionErrors.NotNegative(errors, review.SuccessTtl, Section + "SuccessTtl");
        OptionErrors.NotNegative(errors, review.FailureTtl, Section + "FailureTtl");
        OptionErrors.AtLeastOne(errors, review.MaxCacheEntries, Section + "MaxCacheEntries");
        OptionErrors.AtLeastOne(errors, review.MaxConcurrency, Section + "MaxConcurrency");
        if (review.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{Section}Timeout must be positive (it is {review.Timeout}); the default is 00:00:05.");
        }

        if (review.MaxRetries < 0)
        {
            errors.Add($"{Section}MaxRetries must be 0 or more (it is {review.MaxRetries}); the default is 2.");
        }

        OptionErrors.NotNegative(errors, review.RetryBaseDelay, Section + "RetryBaseDelay");
        OptionErrors.NotNegative(errors, review.MaxRetryDelay, Section + "MaxRetryDelay");
        OptionErrors.AtLeastOne(errors, review.BreakerFailureThreshold, Section + "BreakerFailureThreshold");
        OptionErrors.NotNegative(errors, review.BreakerBreakDuration, Section + "BreakerBreakDuration");
        return OptionErrors.ToResult(errors);
    }
}
