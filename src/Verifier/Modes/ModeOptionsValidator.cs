using Microsoft.Extensions.Options;

namespace Verifier.Modes;

/// <summary>Validates the TokenReview, Hybrid and Shadow settings at start; each message says how to fix the setting.</summary>
internal sealed class ModeOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var review = options.TokenReview;
        const string R = "Verifier:TokenReview:";
        NotNegative(errors, review.SuccessTtl, R + "SuccessTtl");
        NotNegative(errors, review.FailureTtl, R + "FailureTtl");
        AtLeastOne(errors, review.MaxCacheEntries, R + "MaxCacheEntries");
        AtLeastOne(errors, review.MaxConcurrency, R + "MaxConcurrency");
        if (review.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{R}Timeout must be positive (it is {review.Timeout}); the default is 00:00:05.");
        }

        if (review.MaxRetries < 0)
        {
            errors.Add($"{R}MaxRetries must be 0 or more (it is {review.MaxRetries}); the default is 2.");
        }

        NotNegative(errors, review.RetryBaseDelay, R + "RetryBaseDelay");
        NotNegative(errors, review.MaxRetryDelay, R + "MaxRetryDelay");
        AtLeastOne(errors, review.BreakerFailureThreshold, R + "BreakerFailureThreshold");
        NotNegative(errors, review.BreakerBreakDuration, R + "BreakerBreakDuration");

        var hybrid = options.Hybrid;
        NotNegative(errors, hybrid.LivenessTtl, "Verifier:Hybrid:LivenessTtl");
        NotNegative(errors, hybrid.OutageGrace, "Verifier:Hybrid:OutageGrace");
        AtLeastOne(errors, hybrid.MaxBindings, "Verifier:Hybrid:MaxBindings");

        if (options.Mode == VerificationMode.Shadow)
        {
            var shadow = options.Shadow;
            if (shadow.Primary == VerificationMode.Shadow || shadow.Secondary == VerificationMode.Shadow)
            {
                errors.Add("Verifier:Shadow:Primary and Verifier:Shadow:Secondary must each be Local, TokenReview or Hybrid, not Shadow.");
            }
            else if (shadow.Primary == shadow.Secondary)
            {
                errors.Add($"Verifier:Shadow:Primary and Verifier:Shadow:Secondary are both {shadow.Primary}; compare two different modes (default: Local vs TokenReview).");
            }

            if (double.IsNaN(shadow.SampleRate) || shadow.SampleRate is < 0 or > 1)
            {
                errors.Add($"Verifier:Shadow:SampleRate must lie in 0..1 (it is {shadow.SampleRate}); the default is 0.1.");
            }

            AtLeastOne(errors, shadow.MaxConcurrency, "Verifier:Shadow:MaxConcurrency");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void NotNegative(List<string> errors, TimeSpan value, string setting)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{setting} must not be negative (it is {value}).");
        }
    }

    private static void AtLeastOne(List<string> errors, int value, string setting)
    {
        if (value < 1)
        {
            errors.Add($"{setting} must be at least 1 (it is {value}).");
        }
    }
}
