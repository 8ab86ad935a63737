using System.Globalization;

namespace Verifier.Client;

/// <summary>The checks on <see cref="TokenRequestSourceOptions"/>, shared by the constructor and <c>ValidateOnStart</c>.</summary>
internal static class TokenRequestSourceOptionsValidator
{
    /// <returns>Null when valid, else what to fix.</returns>
    public static string? Validate(TokenRequestSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ServiceAccountName))
        {
            return "TokenRequest:ServiceAccountName is required: the service account to request tokens for.";
        }

        if (options.ExpirationSeconds is < TokenRequestSourceOptions.MinExpirationSeconds or > TokenRequestSourceOptions.MaxExpirationSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"TokenRequest:ExpirationSeconds is {options.ExpirationSeconds}; kube-apiserver accepts 600 (10 minutes) to 2^32. The default is 3600.");
        }

        if (options.RenewAtFraction is <= 0 or >= 1 || double.IsNaN(options.RenewAtFraction))
        {
            return "TokenRequest:RenewAtFraction must be in (0, 1); the default is 0.8.";
        }

        if (options.RenewJitterFraction < 0 || options.RenewJitterFraction >= options.RenewAtFraction || double.IsNaN(options.RenewJitterFraction))
        {
            return "TokenRequest:RenewJitterFraction must be in [0, RenewAtFraction); the default is 0.05.";
        }

        if (options.MaxAttempts < 1)
        {
            return "TokenRequest:MaxAttempts must be at least 1; the default is 4.";
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
        {
            return "TokenRequest:RetryBaseDelay must be positive and not above MaxRetryDelay; the defaults are 1 s and 30 s.";
        }

        if (options.BoundObject is { } bound)
        {
            if (bound.Kind is not ("Pod" or "Secret" or "Node"))
            {
                return $"TokenRequest:BoundObject:Kind '{bound.Kind}' is not Pod, Secret or Node (kube-apiserver: cannot bind token to object of type {bound.Kind}).";
            }

            if (string.IsNullOrWhiteSpace(bound.Name))
            {
                return "TokenRequest:BoundObject:Name is required (for the own pod: the downward API's metadata.name).";
            }
        }

        return null;
    }
}
