using Microsoft.Extensions.Options;

namespace Verifier.Watch;

/// <summary>Validates <c>Verifier:Watch</c> at start; each message says how to fix the setting.</summary>
internal sealed class WatchOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var watch = options.Watch;
        if (watch.MaxLag < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Verifier:Watch:MaxLag must be at least 1 s (it is {watch.MaxLag}); kube-apiserver sends a bookmark about once a minute, so keep it above that (default 00:01:30).");
        }

        if (watch.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Verifier:Watch:WatchTimeout must be at least 1 s (it is {watch.WatchTimeout}); the default is 00:05:00.");
        }

        OptionErrors.Positive(errors, watch.ReconnectDelay, "Verifier:Watch:ReconnectDelay",
            "it is the first backoff after a failed list or watch, doubled per failure, so zero retries a failing API server in a tight loop; the default is 00:00:01");

        if (watch.MaxReconnectDelay < watch.ReconnectDelay)
        {
            errors.Add($"Verifier:Watch:MaxReconnectDelay ({watch.MaxReconnectDelay}) must not be less than Verifier:Watch:ReconnectDelay ({watch.ReconnectDelay}).");
        }

        OptionErrors.AtLeastOne(errors, watch.ListPageSize, "Verifier:Watch:ListPageSize");
        OptionErrors.AtLeastOne(errors, watch.MaxResponseBytes, "Verifier:Watch:MaxResponseBytes");
        OptionErrors.AtLeastOne(errors, watch.MaxRememberedDeletions, "Verifier:Watch:MaxRememberedDeletions");
        foreach (var ns in watch.Namespaces)
        {
            if (string.IsNullOrWhiteSpace(ns))
            {
                errors.Add("Verifier:Watch:Namespaces holds an empty name; list namespace names, or leave it empty for all namespaces.");
                break;
            }
        }

        return OptionErrors.ToResult(errors);
    }
}
